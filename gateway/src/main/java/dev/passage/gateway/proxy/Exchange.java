package dev.passage.gateway.proxy;

import dev.passage.capture.BodyTee;
import dev.passage.gateway.edge.Admission;
import dev.passage.gateway.edge.RefusalReason;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The state of one client exchange, owned by the event loop that accepted it. It ends exactly once,
 * on every path (response sent, client abort, upstream failure, rejection), and the end is where
 * accounting happens: target load, metrics, the audit record.
 */
final class Exchange {

  /** How an exchange ended; the wire names are the audit record's {@code outcome}. */
  enum Outcome { OK, CLIENT_ABORT, UPSTREAM_ERROR, TIMEOUT, REJECTED }

  interface Listener {
    void ended(Exchange exchange);
  }

  /** The request id that travels: the client's X-Request-Id when sane, else {@link #recordId}. */
  final String id;
  /** The gateway's own id for the record, never chosen by a client, so records cannot collide. */
  final String recordId;
  final long startEpochMillis;
  final long startNanos;
  final HttpRequest request;
  /** The client connection the exchange arrived on; its event loop owns this exchange. */
  final ClientConnection client;
  final String clientIp;
  final ProxyRoute route;
  final boolean websocket;
  private final Listener listener;

  Target target;
  /** The forwarding of this exchange once it goes upstream (null for answers the gateway gives). */
  ExchangeRelay relay;
  long responseNanos;
  int status;
  HttpHeaders responseHeaders;
  /** Request body bytes read from the client (or tunnelled upstream). */
  long bytesIn;
  /** Response body bytes written to the client (or tunnelled from the upstream). */
  long bytesOut;
  boolean clientClosed;
  /** The response head went to the client: the gateway can no longer answer by itself. */
  boolean responseStarted;
  /** The upstream's response body failed (closed or reset mid-body): the client did not leave by itself. */
  boolean upstreamBroke;
  /** The audit policy of this exchange, or null when no record is written. */
  RouteAudit audit;
  BodyTee requestTee;
  BodyTee responseTee;
  /** Whether the response is a server-sent event stream (counted as an active stream until it ends). */
  boolean sse;
  /** Whether a WebSocket tunnel was established (both directions then pass unparsed). */
  boolean tunnel;
  /** The front door's decision on this request (null only for requests that bypassed it). */
  Admission admission;
  /** Why the gateway refused this request, when it did. */
  RefusalReason refusal;
  private ScheduledFuture<?> responseTimer;
  /** audit.delivery: sync, and this exchange is audited: the end of its response waits for its record. */
  boolean recordBeforeEnd;
  /** The record was handed to the pipeline and is not yet in the spool. */
  private boolean awaitingRecord;
  /** What finishes the response once the record is in the spool. */
  private Runnable afterRecorded;
  private Outcome outcome;
  private String error;
  private long endNanos;

  Exchange(String id, HttpRequest request, ClientConnection client, ProxyRoute route, boolean websocket,
      Listener listener) {
    this.id = id;
    this.client = client;
    this.recordId = id.equals(request.headers().get(ForwardingHeaders.REQUEST_ID)) ? RequestIds.generate() : id;
    this.startEpochMillis = System.currentTimeMillis();
    this.startNanos = System.nanoTime();
    this.request = request;
    this.route = route;
    this.websocket = websocket;
    this.listener = listener;
    this.clientIp = client.remoteIp();
  }

  void targetChosen(Target t) {
    if (target != null) {
      target.end();
    }
    target = t;
    t.begin();
  }

  void responseArrived(int statusCode) {
    if (responseNanos == 0) {
      responseNanos = System.nanoTime();
      route.meters.firstByte(responseNanos - startNanos);
    }
    status = statusCode;
  }

  /**
   * Fails the upstream request when no response headers arrived within {@code timeoutMs} of the
   * end of the request body (the client then gets 504): a slow upload is not a slow upstream.
   * While the body is still streaming, the same time without any body progress (an upstream that
   * stopped reading it) is the upstream's fault too. Cancel with {@link #cancelResponseTimeout}.
   */
  void armResponseTimeout(long timeoutMs) {
    responseTimer = client.schedule(() -> checkResponseTimeout(timeoutMs), timeoutMs);
  }

  void cancelResponseTimeout() {
    if (responseTimer != null) {
      responseTimer.cancel(false);
      responseTimer = null;
    }
  }

  private void checkResponseTimeout(long timeoutMs) {
    responseTimer = null;
    if (responseNanos != 0 || ended() || relay == null) {
      return;
    }
    if (!relay.sent()) {
      // Still waiting for a pooled connection (bounded by connect_timeout): the clock starts again
      // once the request is out.
      responseTimer = client.schedule(() -> checkResponseTimeout(timeoutMs), timeoutMs);
      return;
    }
    long since = admission == null ? Long.MAX_VALUE : System.nanoTime() - admission.bodyProgressNanos();
    long remaining = timeoutMs - since / 1_000_000;
    if (remaining > 0) {
      responseTimer = client.schedule(() -> checkResponseTimeout(timeoutMs), remaining);
    } else {
      relay.fail(new Outcomes.ResponseTimeout(timeoutMs));
    }
  }

  /**
   * Runs {@code finish} (the write that ends the response) now, or, under {@code audit.delivery:
   * sync}, once this exchange's record is in the spool: no client receives the end of a response
   * whose record could still be lost.
   */
  void afterRecorded(Runnable finish) {
    if (!awaitingRecord) {
      finish.run();
    } else {
      afterRecorded = finish;
    }
  }

  /** The record was submitted and will be settled later (on the writer thread, then hopped here). */
  void awaitRecord() {
    awaitingRecord = true;
  }

  boolean awaitingRecord() {
    return awaitingRecord;
  }

  /** On the event loop: the record is in the spool (or never will be); the response may end. */
  void recordSettled() {
    awaitingRecord = false;
    Runnable finish = afterRecorded;
    afterRecorded = null;
    if (finish != null) {
      finish.run();
    }
  }

  boolean ended() {
    return outcome != null;
  }

  /** Ends the exchange; later calls are ignored so every path may call it. */
  void end(Outcome how, int statusCode, String why) {
    if (outcome != null) {
      return;
    }
    outcome = how;
    error = why;
    if (statusCode > 0) {
      status = statusCode;
    }
    endNanos = System.nanoTime();
    cancelResponseTimeout();
    if (target != null) {
      target.end();
    }
    listener.ended(this);
  }

  /** Whether the client is gone: its connection closed, or a read or write on it failed. */
  boolean clientGone() {
    return clientClosed || client.gone();
  }

  /**
   * The gateway answered by itself: the record shows what the client got, headers and body (the
   * body through the same tee, digest and budget as any other), not nulls.
   */
  void answeredLocally(HttpHeaders headers, String body) {
    responseHeaders = headers;
    if (audit != null && body != null) {
      byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      responseTee = audit.localAnswerTee(headers);
      responseTee.accept(java.nio.ByteBuffer.wrap(bytes));
    }
  }

  /**
   * The client is gone: an upstream request still waiting for its response is dropped with its
   * connection, not left waiting for a body that will never come.
   */
  void abandonUpstream() {
    if (relay != null && responseNanos == 0) {
      relay.abandon();
    }
  }

  /** Ends the exchange as refused: the one mapping from a refusal to status, outcome and reason. */
  void endRefused(RefusalReason reason) {
    if (outcome == null) {
      refusal = reason;
    }
    end(Outcome.REJECTED, reason.status(), reason.message());
  }

  /** Whether the request never reached the engine as itself: only what the front door parsed is known. */
  boolean refusedBeforeParsing() {
    return admission != null && admission.refusal() != null;
  }

  Outcome outcome() {
    return outcome;
  }

  String error() {
    return error;
  }

  long durationNanos() {
    return (endNanos == 0 ? System.nanoTime() : endNanos) - startNanos;
  }

  /** Time to first byte of the upstream response, or -1 when none arrived. */
  long ttfbNanos() {
    return responseNanos == 0 ? -1 : responseNanos - startNanos;
  }
}
