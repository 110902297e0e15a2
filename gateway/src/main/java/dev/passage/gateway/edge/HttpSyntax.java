package dev.passage.gateway.edge;

/** Character classes of RFC 9110 / RFC 3986, as lookup tables for the byte-level parsers. */
final class HttpSyntax {

  private static final boolean[] TCHAR = new boolean[256];
  private static final boolean[] UNRESERVED = new boolean[256];
  private static final boolean[] TARGET = new boolean[256];

  static {
    for (int c = 'a'; c <= 'z'; c++) {
      TCHAR[c] = true;
      TCHAR[c - 32] = true;
    }
    for (int c = '0'; c <= '9'; c++) {
      TCHAR[c] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TCHAR[c] = true;
    }
    for (int c = 0; c < 256; c++) {
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      UNRESERVED[c] = alnum || c == '-' || c == '.' || c == '_' || c == '~';
      // Visible ASCII: stricter than that (", <, >, {, } ...) breaks real clients; control bytes,
      // space and non-ASCII never belong in a target (browsers percent-encode them).
      TARGET[c] = c > 0x20 && c < 0x7f;
    }
  }

  private HttpSyntax() {}

  static boolean isTchar(int b) {
    return TCHAR[b & 0xff];
  }

  static boolean isUnreserved(int b) {
    return UNRESERVED[b & 0xff];
  }

  static boolean isTargetChar(int b) {
    return TARGET[b & 0xff];
  }

  /** field-vchar / SP / HTAB / obs-text: everything but control bytes (and DEL). */
  static boolean isFieldValueByte(int b) {
    int c = b & 0xff;
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  }

  static int hexValue(int b) {
    int c = b & 0xff;
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  static boolean isToken(CharSequence s) {
    if (s.length() == 0) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c > 0xff || !TCHAR[c]) {
        return false;
      }
    }
    return true;
  }
}
