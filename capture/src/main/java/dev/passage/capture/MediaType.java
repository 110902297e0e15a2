package dev.passage.capture;

import java.util.Locale;

/** The {@code type/subtype} essence of a Content-Type value: lowercased, parameters dropped. */
final class MediaType {

  private MediaType() {}

  /** Returns {@code type/subtype} in lowercase, or null when the value is missing or malformed. */
  static String essence(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semicolon = contentType.indexOf(';');
    String essence = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    int slash = essence.indexOf('/');
    if (slash <= 0 || slash == essence.length() - 1 || essence.indexOf('/', slash + 1) >= 0) {
      return null;
    }
    if (!isToken(essence, 0, slash) || !isToken(essence, slash + 1, essence.length())) {
      return null;
    }
    return essence.toLowerCase(Locale.ROOT);
  }

  static boolean isJson(String essence) {
    return essence != null
        && (essence.equals("application/json")
            || (essence.startsWith("application/") && essence.endsWith("+json")));
  }

  static boolean isForm(String essence) {
    return "application/x-www-form-urlencoded".equals(essence);
  }

  /** RFC 9110 token characters; a media type outside them is not one we can reason about. */
  static boolean isToken(String s, int from, int to) {
    if (from >= to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
