package dev.passage.gateway.frontdoor;

import dev.passage.gateway.support.RawResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;

/**
 * One row of the front-door table: raw request bytes and what the spec says happens to them.
 *
 * @param name      what the row checks; the test's display name
 * @param request   the bytes sent on a fresh connection, in one write
 * @param status    the final status expected
 * @param reason    the refusal reason (audit {@code reason}, metric tag); null when the request is admitted
 * @param closes    whether the gateway must close the connection after the response
 * @param forwarded how many whole requests the upstream must receive from these bytes
 * @param continues whether an interim {@code 100 Continue} must precede the final response
 * @param followUps further pipelined requests in {@code request} after the first, each answered 200
 * @param upstream  a check on the exact bytes the upstream received (one string per request), or null
 * @param response  a check on the final response, or null
 */
record Case(String name, byte[] request, int status, String reason, boolean closes, int forwarded,
    boolean continues, int followUps, Check<List<String>> upstream, Check<RawResponse> response) {

  /** A described predicate, so a failure says what was expected. */
  record Check<T>(String what, Predicate<T> test) {}

  /** The gateway refuses: status, reason, connection closed, nothing forwarded. */
  static Case refused(String name, int status, String reason, String request) {
    return new Case(name, bytes(request), status, reason, true, 0, false, 0, null, null);
  }

  /** The gateway admits the request and forwards it once; the upstream answers 200; keep-alive. */
  static Case admitted(String name, String request) {
    return new Case(name, bytes(request), 200, null, false, 1, false, 0, null, null);
  }

  boolean refusal() {
    return reason != null;
  }

  Case closing() {
    return new Case(name, request, status, reason, true, forwarded, continues, followUps, upstream, response);
  }

  Case answeredLocally(int localStatus) {
    return new Case(name, request, localStatus, reason, closes, 0, continues, followUps, upstream, response);
  }

  Case continued() {
    return new Case(name, request, status, reason, closes, forwarded, true, followUps, upstream, response);
  }

  Case pipelined(int more) {
    return new Case(name, request, status, reason, closes, forwarded + more, continues, more, upstream, response);
  }

  /** Adds checks on the upstream's bytes; all must hold. */
  @SafeVarargs
  final Case upstreamSees(Check<List<String>>... checks) {
    Check<List<String>> all = upstream;
    for (Check<List<String>> c : checks) {
      all = all == null ? c : new Check<>(all.what() + "; " + c.what(), all.test().and(c.test()));
    }
    return new Case(name, request, status, reason, closes, forwarded, continues, followUps, all, response);
  }

  Case responseHas(String what, Predicate<RawResponse> test) {
    return new Case(name, request, status, reason, closes, forwarded, continues, followUps, upstream,
        new Check<>(what, test));
  }

  static byte[] bytes(String latin1) {
    return latin1.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Override
  public String toString() {
    return name;
  }
}
