package dev.passage.audit;

import dev.passage.capture.RenderedBody;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One audit record: one HTTP exchange, written as one JSON line (field names in docs/audit-record.md).
 *
 * @param id              the record's own id, made by the gateway (unique; never null)
 * @param ts              exchange start; kept at millisecond precision because that is what is written
 * @param durationMs      exchange start to last byte sent (or abort), >= 0
 * @param route           name of the matched route, or null when no route matched
 * @param clientIp        the client's address, or null when unknown
 * @param requestMethod   HTTP method; never null
 * @param requestUri      request target as received (after query redaction); never null
 * @param requestHeaders  lowercase name to values in arrival order; never null, may be empty
 * @param requestBody     the request body, or null when the request had none captured
 * @param responseStatus  status sent to the client (100..999: a three-digit code, as received even
 *                        outside the registered 1xx-5xx), or null when none was sent
 * @param responseHeaders headers sent to the client, or null when no response was sent
 * @param responseBody    the response body, or null when no response body was seen
 * @param upstreamTarget  the upstream URL the request went to, or null when none was tried
 * @param upstreamTtfbMs  time to the upstream's first response byte, or null when none arrived
 * @param outcome         how the exchange ended; never null
 * @param error           what went wrong, or null
 * @param reason          for {@code rejected}: why the gateway refused the request, a stable code
 *                        (the {@code reason} label of passage_requests_rejected_total); null otherwise
 * @param requestId       the request id the exchange carried (X-Request-Id upstream and back): the
 *                        client's when it sent a usable one, else {@code id}; null in older records
 */
public record AuditRecord(
    String id,
    Instant ts,
    long durationMs,
    String route,
    String clientIp,
    String requestMethod,
    String requestUri,
    Map<String, List<String>> requestHeaders,
    RenderedBody requestBody,
    Integer responseStatus,
    Map<String, List<String>> responseHeaders,
    RenderedBody responseBody,
    String upstreamTarget,
    Long upstreamTtfbMs,
    Outcome outcome,
    String error,
    String reason,
    String requestId) {

  /** A record without a refusal reason (every outcome but {@code rejected}). */
  public AuditRecord(String id, Instant ts, long durationMs, String route, String clientIp, String requestMethod,
      String requestUri, Map<String, List<String>> requestHeaders, RenderedBody requestBody, Integer responseStatus,
      Map<String, List<String>> responseHeaders, RenderedBody responseBody, String upstreamTarget, Long upstreamTtfbMs,
      Outcome outcome, String error) {
    this(id, ts, durationMs, route, clientIp, requestMethod, requestUri, requestHeaders, requestBody, responseStatus,
        responseHeaders, responseBody, upstreamTarget, upstreamTtfbMs, outcome, error, null, null);
  }

  public AuditRecord {
    Objects.requireNonNull(id, "id");
    ts = Objects.requireNonNull(ts, "ts").truncatedTo(ChronoUnit.MILLIS);
    Objects.requireNonNull(requestMethod, "requestMethod");
    Objects.requireNonNull(requestUri, "requestUri");
    Objects.requireNonNull(outcome, "outcome");
    requestHeaders = copyHeaders(Objects.requireNonNull(requestHeaders, "requestHeaders"));
    responseHeaders = responseHeaders == null ? null : copyHeaders(responseHeaders);
    if (durationMs < 0) {
      throw new IllegalArgumentException("durationMs must be >= 0, got " + durationMs);
    }
    if (responseStatus != null && (responseStatus < 100 || responseStatus > 999)) {
      throw new IllegalArgumentException("responseStatus must be 100..999, got " + responseStatus);
    }
    if (upstreamTtfbMs != null && upstreamTtfbMs < 0) {
      throw new IllegalArgumentException("upstreamTtfbMs must be >= 0, got " + upstreamTtfbMs);
    }
  }

  /**
   * Groups header entries (for example a Vert.x {@code MultiMap}) by lowercase name, keeping the order
   * in which names first appear and the order of repeated values.
   */
  public static Map<String, List<String>> headers(Iterable<? extends Map.Entry<String, String>> entries) {
    Map<String, List<String>> grouped = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : entries) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      String value = Objects.requireNonNull(e.getValue(), () -> "value of header " + e.getKey());
      List<String> values = grouped.get(name);
      if (values == null) {
        grouped.put(name, List.of(value));
      } else {
        List<String> more = new ArrayList<>(values);
        more.add(value);
        grouped.put(name, more);
      }
    }
    grouped.replaceAll((name, values) -> List.copyOf(values));
    return new GroupedHeaders(grouped);
  }

  /** An immutable copy, unless {@code headers} already is one made by {@link #headers}. */
  private static Map<String, List<String>> copyHeaders(Map<String, List<String>> headers) {
    if (headers instanceof GroupedHeaders) {
      return headers;
    }
    Map<String, List<String>> copy = new LinkedHashMap<>();
    headers.forEach(
        (name, values) -> {
          if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException("header '" + name + "' has no values");
          }
          List<String> merged = copy.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>(values.size()));
          for (String v : values) {
            merged.add(Objects.requireNonNull(v, () -> "value of header " + name));
          }
        });
    copy.replaceAll((name, values) -> List.copyOf(values));
    return new GroupedHeaders(copy);
  }

  /**
   * Lowercase names to immutable value lists, in first-seen order, that nobody else holds: the
   * record's constructor can take one without copying it again (a copy per record per side was a
   * measurable share of the audit writer's allocation).
   */
  private static final class GroupedHeaders extends AbstractMap<String, List<String>> {
    private final Map<String, List<String>> map;

    GroupedHeaders(Map<String, List<String>> owned) {
      this.map = Collections.unmodifiableMap(owned);
    }

    @Override
    public Set<Map.Entry<String, List<String>>> entrySet() {
      return map.entrySet();
    }

    @Override
    public List<String> get(Object name) {
      return map.get(name);
    }

    @Override
    public boolean containsKey(Object name) {
      return map.containsKey(name);
    }

    @Override
    public int size() {
      return map.size();
    }
  }
}
