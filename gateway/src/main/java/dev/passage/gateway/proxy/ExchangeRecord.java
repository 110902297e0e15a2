package dev.passage.gateway.proxy;

import dev.passage.audit.AuditRecord;
import dev.passage.audit.Outcome;
import dev.passage.audit.PendingRecord;
import dev.passage.capture.RawCapture;
import dev.passage.capture.RenderedBody;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An ended exchange on its way to the sinks. The event loop only copies references and header
 * entries; decoding, redaction and JSON happen in {@link #render()} on the audit writer thread.
 */
final class ExchangeRecord implements PendingRecord {

  private final String id;
  private final String requestId;
  private final long startEpochMillis;
  private final long durationMs;
  private final String route;
  private final String clientIp;
  private final String method;
  private final String uri;
  private final List<Map.Entry<String, String>> requestHeaders;
  private final RawCapture requestBody;
  private final Integer status;
  private final List<Map.Entry<String, String>> responseHeaders;
  private final RawCapture responseBody;
  private final String target;
  private final Long ttfbMs;
  private final Outcome outcome;
  private final String error;
  private final RouteAudit audit;
  private final String reason;
  private final long heapBytes;

  ExchangeRecord(Exchange e, RouteAudit audit) {
    this.id = e.recordId;
    this.requestId = e.id;
    this.startEpochMillis = e.startEpochMillis;
    this.durationMs = e.durationNanos() / 1_000_000;
    this.route = e.route == null ? null : e.route.name;
    this.clientIp = e.clientIp;
    if (e.refusedBeforeParsing()) {
      // The engine saw a placeholder; the record keeps what the front door read of the real request.
      this.method = e.admission.method();
      this.uri = e.admission.target();
      this.requestHeaders = e.admission.parsedHeaders();
    } else {
      this.method = e.request.method().name();
      this.uri = e.request.uri();
      this.requestHeaders = e.request.headers().entries();
    }
    this.requestBody = e.requestTee == null ? null : e.requestTee.finish();
    this.status = e.status > 0 ? e.status : null;
    this.responseHeaders = e.responseHeaders == null ? null : e.responseHeaders.entries();
    this.responseBody = e.responseTee == null ? null : e.responseTee.finish();
    this.target = e.target == null ? null : e.target.url();
    this.ttfbMs = e.ttfbNanos() < 0 ? null : e.ttfbNanos() / 1_000_000;
    this.outcome = outcomeOf(e.outcome());
    this.error = e.error();
    this.audit = audit;
    this.reason = e.refusal == null ? null : e.refusal.wireName();
    this.heapBytes = estimateHeap();
  }

  /** Strings are UTF-16 on the heap (2 bytes a char, or 1 when compact), plus object headers. */
  private long estimateHeap() {
    long n = 512 + 2L * (uri.length() + method.length());
    n += headerHeap(requestHeaders);
    n += headerHeap(responseHeaders);
    return n;
  }

  private static long headerHeap(List<Map.Entry<String, String>> headers) {
    if (headers == null) {
      return 0;
    }
    long n = 0;
    for (Map.Entry<String, String> h : headers) {
      n += 96 + 2L * (h.getKey().length() + h.getValue().length());
    }
    return n;
  }

  @Override
  public long heapBytes() {
    return heapBytes;
  }

  @Override
  public AuditRecord render() {
    return new AuditRecord(id, Instant.ofEpochMilli(startEpochMillis), durationMs, route, clientIp, method,
        audit.redaction.uri(uri), AuditRecord.headers(redacted(requestHeaders)), body(requestBody), status,
        responseHeaders == null ? null : AuditRecord.headers(redacted(responseHeaders)), body(responseBody),
        target, ttfbMs, outcome, error, reason, requestId);
  }

  /** When decoding or redaction fails, the exchange is still recorded, without bodies. */
  @Override
  public AuditRecord fallback(Exception renderFailure) {
    return new AuditRecord(id, Instant.ofEpochMilli(startEpochMillis), durationMs, route, clientIp, method,
        audit.redaction.uri(uri), AuditRecord.headers(redacted(requestHeaders)), null, status,
        responseHeaders == null ? null : AuditRecord.headers(redacted(responseHeaders)), null,
        target, ttfbMs, outcome, "audit render failed: " + renderFailure.getClass().getSimpleName(), reason, requestId);
  }

  @Override
  public void release() {
    if (requestBody != null) {
      requestBody.releaseBudget();
    }
    if (responseBody != null) {
      responseBody.releaseBudget();
    }
  }

  private RenderedBody body(RawCapture raw) {
    return raw == null ? null : audit.renderer.render(raw);
  }

  private List<Map.Entry<String, String>> redacted(List<Map.Entry<String, String>> headers) {
    List<Map.Entry<String, String>> out = new ArrayList<>(headers.size());
    for (Map.Entry<String, String> h : headers) {
      out.add(Map.entry(h.getKey(), audit.redaction.headerValue(h.getKey(), h.getValue())));
    }
    return out;
  }

  private static Outcome outcomeOf(Exchange.Outcome o) {
    switch (o) {
      case OK:
        return Outcome.OK;
      case CLIENT_ABORT:
        return Outcome.CLIENT_ABORT;
      case TIMEOUT:
        return Outcome.TIMEOUT;
      case REJECTED:
        return Outcome.REJECTED;
      default:
        return Outcome.UPSTREAM_ERROR;
    }
  }
}
