package dev.passage.gateway.edge;

/**
 * Normalises a request path once, before routing (RFC 3986 sections 6.2.2 and 5.2.4): escapes of
 * unreserved characters are decoded, other escapes upper-cased, dot-segments removed. A path that
 * climbs above the root is refused rather than clamped: only an attack or a broken client sends
 * one. Encoded {@code /} and {@code \} are never decoded, so {@code /api%2F..%2Fadmin} stays one
 * segment for routing and for the upstream alike.
 */
final class PathNormalizer {

  private PathNormalizer() {}

  /** The normalised path; {@code path} starts with '/'. */
  static String normalize(String path, boolean rejectEncodedSlashes) throws RequestRefused {
    StringBuilder decoded = new StringBuilder(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%') {
        if (i + 2 >= path.length()) {
          throw new RequestRefused(RefusalReason.BAD_PATH);
        }
        int hi = HttpSyntax.hexValue(path.charAt(i + 1));
        int lo = HttpSyntax.hexValue(path.charAt(i + 2));
        if (hi < 0 || lo < 0) {
          throw new RequestRefused(RefusalReason.BAD_PATH);
        }
        int value = hi * 16 + lo;
        if (HttpSyntax.isUnreserved(value)) {
          decoded.append((char) value);
        } else {
          if (rejectEncodedSlashes && (value == '/' || value == '\\')) {
            throw new RequestRefused(RefusalReason.ENCODED_SLASH);
          }
          decoded.append('%').append(Character.toUpperCase(path.charAt(i + 1))).append(Character.toUpperCase(path.charAt(i + 2)));
        }
        i += 2;
      } else {
        if (c == '\\' && rejectEncodedSlashes) {
          throw new RequestRefused(RefusalReason.ENCODED_SLASH);
        }
        decoded.append(c);
      }
    }
    return removeDotSegments(decoded);
  }

  private static String removeDotSegments(CharSequence path) {
    if (!containsDotSegment(path)) {
      return path.toString();
    }
    // Segments between slashes; "." vanishes, ".." removes the segment before it.
    java.util.ArrayDeque<String> out = new java.util.ArrayDeque<>();
    String[] segments = path.toString().substring(1).split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      boolean last = i == segments.length - 1;
      if (s.equals(".")) {
        if (last) {
          out.addLast("");
        }
      } else if (s.equals("..")) {
        if (out.isEmpty()) {
          throw new RequestRefused(RefusalReason.BAD_PATH);
        }
        out.removeLast();
        if (last) {
          out.addLast("");
        }
      } else {
        out.addLast(s);
      }
    }
    return "/" + String.join("/", out);
  }

  private static boolean containsDotSegment(CharSequence p) {
    int n = p.length();
    for (int i = 0; i < n; i++) {
      if (p.charAt(i) == '.' && p.charAt(i - 1) == '/') {
        int end = i + 1;
        if (end < n && p.charAt(end) == '.') {
          end++;
        }
        if (end == n || p.charAt(end) == '/') {
          return true;
        }
      }
    }
    return false;
  }
}
