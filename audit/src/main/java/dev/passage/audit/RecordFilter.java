package dev.passage.audit;

import java.util.Objects;

/** Which records {@link AuditTail} prints: an optional route name and an optional status (404) or class (5xx). */
final class RecordFilter {

  private final String route;
  private final int statusFrom;
  private final int statusTo;

  private RecordFilter(String route, int statusFrom, int statusTo) {
    this.route = route;
    this.statusFrom = statusFrom;
    this.statusTo = statusTo;
  }

  /**
   * @param route  match this route name exactly, or null for any
   * @param status {@code "5xx"}-style class, an exact code like {@code "404"}, or null for any
   * @throws IllegalArgumentException when {@code status} is neither
   */
  static RecordFilter of(String route, String status) {
    if (status == null) {
      return new RecordFilter(route, 0, Integer.MAX_VALUE);
    }
    String s = status.trim().toLowerCase(java.util.Locale.ROOT);
    if (s.matches("[1-5]xx")) {
      int from = (s.charAt(0) - '0') * 100;
      return new RecordFilter(route, from, from + 99);
    }
    if (s.matches("[1-5][0-9][0-9]")) {
      int code = Integer.parseInt(s);
      return new RecordFilter(route, code, code);
    }
    throw new IllegalArgumentException(
        "invalid status filter '" + status + "': expected a class such as 5xx or a code such as 404");
  }

  boolean matches(AuditRecord r) {
    if (route != null && !Objects.equals(route, r.route())) {
      return false;
    }
    if (statusFrom == 0 && statusTo == Integer.MAX_VALUE) {
      return true;
    }
    // An exchange that sent no response has no status to match.
    return r.responseStatus() != null && r.responseStatus() >= statusFrom && r.responseStatus() <= statusTo;
  }
}
