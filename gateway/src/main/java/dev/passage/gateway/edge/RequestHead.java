package dev.passage.gateway.edge;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * A request head the front door admitted, with the decisions RFC 9112 asks for already made:
 * the framing (section 6), the effective authority (section 3.2), the target in origin-form with a
 * normalised path. {@link #writeCanonical} hands the engine exactly these decisions, so no later
 * parser can read the request differently.
 */
final class RequestHead {

  /** How the body is delimited. */
  enum Framing { NONE, LENGTH, CHUNKED }

  final String method;
  final String version;
  final List<HeaderField> fields;
  /** Origin-form target with the normalised path, or "*" for OPTIONS *. */
  final String target;
  /** The authority from an absolute-form target, which replaces Host; null otherwise. */
  final String absoluteAuthority;
  final Framing framing;
  final long contentLength;
  final boolean expectContinue;
  final boolean upgrade;

  private RequestHead(String method, String version, List<HeaderField> fields, String target,
      String absoluteAuthority, Framing framing, long contentLength, boolean expectContinue, boolean upgrade) {
    this.method = method;
    this.version = version;
    this.fields = fields;
    this.target = target;
    this.absoluteAuthority = absoluteAuthority;
    this.framing = framing;
    this.contentLength = contentLength;
    this.expectContinue = expectContinue;
    this.upgrade = upgrade;
  }

  boolean http10() {
    return version.equals("HTTP/1.0");
  }

  /** Applies the semantic rules to a syntactically valid head. */
  static RequestHead of(String method, String rawTarget, String version, List<HeaderField> fields, EdgeLimits limits) {
    if (method.equals("CONNECT")) {
      throw new RequestRefused(RefusalReason.CONNECT_UNSUPPORTED);
    }
    boolean http10 = version.equals("HTTP/1.0");
    String authority = null;
    String originForm;
    if (rawTarget.equals("*")) {
      if (!method.equals("OPTIONS")) {
        throw new RequestRefused(RefusalReason.BAD_TARGET);
      }
      originForm = "*";
    } else if (rawTarget.charAt(0) == '/') {
      originForm = rawTarget;
    } else {
      int schemeEnd = rawTarget.regionMatches(true, 0, "http://", 0, 7) ? 7
          : rawTarget.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
      if (schemeEnd < 0) {
        throw new RequestRefused(RefusalReason.BAD_TARGET);
      }
      int pathStart = schemeEnd;
      while (pathStart < rawTarget.length() && rawTarget.charAt(pathStart) != '/' && rawTarget.charAt(pathStart) != '?') {
        pathStart++;
      }
      authority = rawTarget.substring(schemeEnd, pathStart);
      if (!HostSyntax.isValid(authority)) {
        throw new RequestRefused(RefusalReason.BAD_TARGET);
      }
      String rest = rawTarget.substring(pathStart);
      originForm = rest.isEmpty() || rest.charAt(0) == '?' ? "/" + rest : rest;
    }
    if (originForm.indexOf('#') >= 0) {
      throw new RequestRefused(RefusalReason.BAD_TARGET);
    }
    if (!originForm.equals("*")) {
      int q = originForm.indexOf('?');
      String path = q < 0 ? originForm : originForm.substring(0, q);
      String normalised = PathNormalizer.normalize(path, limits.rejectEncodedSlashes());
      originForm = q < 0 ? normalised : normalised + originForm.substring(q);
    }
    checkHost(fields, http10);
    long length = contentLength(fields);
    Framing framing = transferEncoding(fields, http10, length);
    if (framing == null) {
      framing = length > 0 ? Framing.LENGTH : Framing.NONE;
    }
    boolean expect = expectContinue(fields, http10);
    boolean upgrade = !http10 && firstValue(fields, "upgrade") != null;
    return new RequestHead(method, version, List.copyOf(fields), originForm, authority, framing, Math.max(length, 0), expect,
        upgrade);
  }

  private static void checkHost(List<HeaderField> fields, boolean http10) {
    String host = null;
    for (HeaderField f : fields) {
      if (f.is("host")) {
        if (host != null) {
          throw new RequestRefused(RefusalReason.DUPLICATE_HOST);
        }
        host = f.value();
      }
    }
    if (host == null) {
      if (!http10) {
        throw new RequestRefused(RefusalReason.MISSING_HOST);
      }
    } else if (!HostSyntax.isValid(host)) {
      throw new RequestRefused(RefusalReason.BAD_HOST);
    }
  }

  /** The one Content-Length, -1 when absent; identical repeats are one (RFC 9110 section 8.6). */
  private static long contentLength(List<HeaderField> fields) {
    long length = -1;
    for (HeaderField f : fields) {
      if (!f.is("content-length")) {
        continue;
      }
      for (String part : f.value().split(",", -1)) {
        long value = digits(part.strip());
        if (length >= 0 && value != length) {
          throw new RequestRefused(RefusalReason.BAD_CONTENT_LENGTH);
        }
        length = value;
      }
    }
    return length;
  }

  private static long digits(String s) {
    if (s.isEmpty() || s.length() > 19) {
      throw new RequestRefused(RefusalReason.BAD_CONTENT_LENGTH);
    }
    long value = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new RequestRefused(RefusalReason.BAD_CONTENT_LENGTH);
      }
      value = value * 10 + (c - '0');
      if (value < 0) {
        throw new RequestRefused(RefusalReason.BAD_CONTENT_LENGTH);
      }
    }
    return value;
  }

  /** CHUNKED, or null when the request has no Transfer-Encoding (RFC 9112 section 6.1). */
  private static Framing transferEncoding(List<HeaderField> fields, boolean http10, long contentLength) {
    StringBuilder codings = null;
    for (HeaderField f : fields) {
      if (f.is("transfer-encoding")) {
        codings = codings == null ? new StringBuilder(f.value()) : codings.append(',').append(f.value());
      }
    }
    if (codings == null) {
      return null;
    }
    if (contentLength >= 0 || hasField(fields, "content-length")) {
      throw new RequestRefused(RefusalReason.TE_AND_CL);
    }
    if (http10) {
      throw new RequestRefused(RefusalReason.TE_HTTP10);
    }
    String[] parts = codings.toString().split(",", -1);
    for (String part : parts) {
      String name = part.strip();
      int semicolon = name.indexOf(';');
      String coding = (semicolon < 0 ? name : name.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
      if (!coding.isEmpty() && !KNOWN_CODINGS.contains(coding)) {
        throw new RequestRefused(RefusalReason.UNKNOWN_TRANSFER_ENCODING);
      }
    }
    if (parts.length != 1 || !parts[0].strip().equalsIgnoreCase("chunked")) {
      throw new RequestRefused(RefusalReason.BAD_TRANSFER_ENCODING);
    }
    return Framing.CHUNKED;
  }

  /** The IANA HTTP transfer codings: anything else is a coding this server cannot decode (501). */
  private static final List<String> KNOWN_CODINGS =
      List.of("chunked", "compress", "deflate", "gzip", "identity", "trailers", "x-compress", "x-gzip");

  private static boolean expectContinue(List<HeaderField> fields, boolean http10) {
    boolean expect = false;
    for (HeaderField f : fields) {
      if (f.is("expect")) {
        if (!f.value().equalsIgnoreCase("100-continue")) {
          throw new RequestRefused(RefusalReason.EXPECTATION_FAILED);
        }
        expect = true;
      }
    }
    // RFC 9110 section 10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored.
    return expect && !http10;
  }

  private static boolean hasField(List<HeaderField> fields, String name) {
    return firstValue(fields, name) != null;
  }

  private static String firstValue(List<HeaderField> fields, String name) {
    for (HeaderField f : fields) {
      if (f.is(name)) {
        return f.value();
      }
    }
    return null;
  }

  /**
   * Writes the head the engine parses: origin-form target, fields byte for byte in their order,
   * except that the absolute-form authority replaces Host, Content-Length appears once,
   * Transfer-Encoding is exactly {@code chunked}, Expect is answered here and not passed on (unless
   * {@code keepExpect}: the upstream answers it), an
   * HTTP/1.0 connection is not kept alive, and {@code close} adds {@code Connection: close}.
   */
  void writeCanonical(ByteBuf out, boolean close, boolean keepExpect) {
    ascii(out, method).writeByte(' ');
    ascii(out, target.equals("*") ? "/" : target).writeByte(' ');
    ascii(out, version).writeByte('\r').writeByte('\n');
    boolean hostWritten = false;
    boolean lengthWritten = false;
    boolean encodingWritten = false;
    for (HeaderField f : fields) {
      String name = f.name();
      if (f.is("host")) {
        line(out, name, absoluteAuthority != null ? absoluteAuthority : f.value());
        hostWritten = true;
      } else if (f.is("content-length")) {
        if (!lengthWritten) {
          line(out, name, Long.toString(contentLength));
          lengthWritten = true;
        }
      } else if (f.is("transfer-encoding")) {
        if (!encodingWritten) {
          line(out, name, "chunked");
          encodingWritten = true;
        }
      } else if (f.is("expect")) {
        if (keepExpect && expectContinue) {
          line(out, name, f.value());
        }
      } else if (f.is("connection") && http10()) {
        String kept = withoutToken(f.value(), "keep-alive");
        if (!kept.isEmpty()) {
          line(out, name, kept);
        }
      } else {
        line(out, name, f.value());
      }
    }
    if (!hostWritten && absoluteAuthority != null) {
      line(out, "Host", absoluteAuthority);
    }
    if (close && !http10()) {
      line(out, "Connection", "close");
    }
    out.writeByte('\r').writeByte('\n');
  }

  private static String withoutToken(String value, String token) {
    StringBuilder kept = new StringBuilder();
    for (String part : value.split(",")) {
      String t = part.strip();
      if (!t.isEmpty() && !t.equalsIgnoreCase(token)) {
        kept.append(kept.length() == 0 ? "" : ", ").append(t);
      }
    }
    return kept.toString();
  }

  private static void line(ByteBuf out, String name, String value) {
    ascii(out, name).writeByte(':').writeByte(' ');
    ascii(out, value).writeByte('\r').writeByte('\n');
  }

  private static ByteBuf ascii(ByteBuf out, String s) {
    out.writeCharSequence(s, StandardCharsets.ISO_8859_1);
    return out;
  }
}
