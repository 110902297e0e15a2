package dev.passage.gateway.proxy;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The one date format HTTP senders must generate (IMF-fixdate, RFC 9110 section 5.6.7): two-digit
 * day, so {@code Sun, 06 Nov 1994 08:49:37 GMT}. The JDK's RFC_1123_DATE_TIME writes a one-digit
 * day, which is why the proxy library's own Date is not used.
 */
final class HttpDates {

  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

  private HttpDates() {}

  /** The last second formatted, with its epoch second: formatted at most once a second. */
  private static volatile Object[] cached = {-1L, ""};

  static String now() {
    long second = System.currentTimeMillis() / 1000;
    Object[] c = cached;
    if ((Long) c[0] == second) {
      return (String) c[1];
    }
    String text = IMF_FIXDATE.format(Instant.ofEpochSecond(second));
    cached = new Object[] {second, text};
    return text;
  }
}
