package dev.passage.capture;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/** Redaction of {@code name=value&name=value} text, shared by query strings and form bodies. */
final class FormPairs {

  private FormPairs() {}

  /** Replaces the values of pairs whose decoded, lowercased name is in {@code names}. */
  static String redact(String pairs, Set<String> names) {
    if (names.isEmpty() || pairs.isEmpty()) {
      return pairs;
    }
    StringBuilder out = null;
    int start = 0;
    while (start <= pairs.length()) {
      int amp = pairs.indexOf('&', start);
      int end = amp < 0 ? pairs.length() : amp;
      int eq = pairs.indexOf('=', start);
      // A pair without '=' has no value to hide.
      if (eq >= 0 && eq < end && names.contains(decodedName(pairs.substring(start, eq)))) {
        if (out == null) {
          out = new StringBuilder(pairs.length() + 16).append(pairs, 0, start);
        }
        out.append(pairs, start, eq + 1).append(RedactionRules.REDACTED);
      } else if (out != null) {
        out.append(pairs, start, end);
      }
      if (amp < 0) {
        break;
      }
      if (out != null) {
        out.append('&');
      }
      start = amp + 1;
    }
    return out == null ? pairs : out.toString();
  }

  private static String decodedName(String raw) {
    if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) {
      return raw.toLowerCase(Locale.ROOT); // nothing to decode: skip the decoder's copies
    }
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException malformedEscape) {
      return raw.toLowerCase(Locale.ROOT);
    }
  }
}
