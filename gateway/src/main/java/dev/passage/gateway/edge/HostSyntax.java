package dev.passage.gateway.edge;

/**
 * {@code uri-host [ ":" port ]} (RFC 9112 section 3.2, RFC 3986 section 3.2.2), narrowed to what
 * real clients send: a registered name of unreserved characters, an IPv4 address, or a bracketed
 * IPv6 literal, and a port of 1 to 5 digits up to 65535. Sub-delimiters such as {@code ,} and
 * percent-escapes are legal in a reg-name but only ever seen in attacks on Host-based routing.
 */
final class HostSyntax {

  private HostSyntax() {}

  static boolean isValid(String authority) {
    int n = authority.length();
    if (n == 0) {
      return false;
    }
    int hostEnd;
    if (authority.charAt(0) == '[') {
      int close = authority.indexOf(']');
      if (close < 0 || !isIpv6(authority, 1, close)) {
        return false;
      }
      hostEnd = close + 1;
      if (hostEnd < n && authority.charAt(hostEnd) != ':') {
        return false;
      }
    } else {
      int colon = authority.indexOf(':');
      hostEnd = colon < 0 ? n : colon;
      if (hostEnd == 0) {
        return false;
      }
      for (int i = 0; i < hostEnd; i++) {
        if (!HttpSyntax.isUnreserved(authority.charAt(i))) {
          return false;
        }
      }
    }
    return hostEnd == n || isPort(authority, hostEnd + 1, n);
  }

  private static boolean isPort(String s, int from, int to) {
    int len = to - from;
    if (len < 1 || len > 5) {
      return false;
    }
    int port = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      port = port * 10 + (c - '0');
    }
    return port <= 65535;
  }

  private static boolean isIpv6(String s, int from, int to) {
    if (to - from < 2) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(c == ':' || c == '.' || HttpSyntax.hexValue(c) >= 0)) {
        return false;
      }
    }
    return true;
  }
}
