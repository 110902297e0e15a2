package dev.passage.gateway.proxy;

import dev.passage.capture.BodyTee;
import dev.passage.gateway.edge.Admission;
import dev.passage.gateway.edge.RefusalReason;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerRequest;

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
  final HttpServerRequest request;
  final String clientIp;
  final ProxyRoute route;
  final boolean websocket;
  private final Listener listener;

  Target target;
  HttpClientRequest upstreamRequest;
  long responseNanos;
  int status;
  MultiMap responseHeaders;
  boolean clientClosed;
  /** The upstream's response body failed (closed or reset mid-body): the client did not leave by itself. */
  boolean upstreamBroke;
  /** The audit policy of this exchange, or null when no record is written. */
  RouteAudit audit;
  BodyTee requestTee;
  BodyTee responseTee;
  /** Whether the response is a server-sent event stream (counted as an active stream until it ends). */
  boolean sse;
  /** The two directions of an established WebSocket tunnel, or null. */
  TeeReadStream tunnelFromClient;
  TeeReadStream tunnelFromUpstream;
  /** The front door's decision on this request (null only for requests that bypassed it). */
  Admission admission;
  /** Why the gateway refused this request, when it did. */
  RefusalReason refusal;
  private long responseTimer = -1;
  private Outcome outcome;
  private String error;
  private long endNanos;

  Exchange(String id, HttpServerRequest request, ProxyRoute route, boolean websocket, Listener listener) {
    this.id = id;
    this.recordId = id.equals(request.getHeader(ForwardingHeaders.REQUEST_ID)) ? RequestIds.generate() : id;
    this.startEpochMillis = System.currentTimeMillis();
    this.startNanos = System.nanoTime();
    this.request = request;
    this.route = route;
    this.websocket = websocket;
    this.listener = listener;
    this.clientIp = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
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
   * Resets the upstream request when no response headers arrived within {@code timeoutMs} of the
   * end of the request body (the failure then reaches the exchange as a 504): a slow upload is not
   * a slow upstream. While the body is still streaming, the same time without any body progress
   * (an upstream that stopped reading it) is the upstream's fault too. Cancel with
   * {@link #cancelResponseTimeout}.
   */
  void armResponseTimeout(Vertx vertx, long timeoutMs) {
    responseTimer = vertx.setTimer(timeoutMs, id -> checkResponseTimeout(vertx, timeoutMs));
  }

  void cancelResponseTimeout(Vertx vertx) {
    if (responseTimer >= 0) {
      vertx.cancelTimer(responseTimer);
      responseTimer = -1;
    }
  }

  private void checkResponseTimeout(Vertx vertx, long timeoutMs) {
    responseTimer = -1;
    if (responseNanos != 0 || ended()) {
      return;
    }
    if (upstreamRequest == null) {
      // Still waiting for a pooled connection (bounded by connect_timeout): the clock starts again
      // once the request is out, or a request that finally gets a connection has no timer at all.
      responseTimer = vertx.setTimer(timeoutMs, id -> checkResponseTimeout(vertx, timeoutMs));
      return;
    }
    long since = admission == null ? Long.MAX_VALUE : System.nanoTime() - admission.bodyProgressNanos();
    long remaining = timeoutMs - since / 1_000_000;
    if (remaining > 0) {
      responseTimer = vertx.setTimer(remaining, id -> checkResponseTimeout(vertx, timeoutMs));
    } else {
      upstreamRequest.reset(0, new Outcomes.ResponseTimeout(timeoutMs));
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
    if (target != null) {
      target.end();
    }
    listener.ended(this);
  }

  /**
   * Whether the client is gone. Asked when a pipe fails: the failed write to a reset socket is
   * seen before Vert.x's close handlers run, so the channel's own state is the first to know.
   */
  boolean clientGone() {
    return clientClosed || request.response().closed() || FrontDoor.clientGone(request.connection());
  }

  /**
   * The gateway answered by itself: the record shows what the client got, headers and body (the
   * body through the same tee, digest and budget as any other), not nulls.
   */
  void answeredLocally(MultiMap headers, String body) {
    responseHeaders = headers;
    if (audit != null && body != null) {
      byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      responseTee = audit.localAnswerTee(headers);
      responseTee.accept(java.nio.ByteBuffer.wrap(bytes));
    }
  }

  /**
   * The client is gone: the upstream request is reset so its connection is closed and freed, not
   * left waiting for a body that will never come (which held pool connections until the upstream
   * gave up). A request still waiting for a connection is reset when it gets one (see ProxyRoute).
   */
  void abandonUpstream() {
    if (upstreamRequest != null && responseNanos == 0) {
      upstreamRequest.reset(0, new IllegalStateException("client went away"));
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

  /** Request body bytes read from the client (or tunnelled to the upstream). */
  long bytesIn() {
    return tunnelFromClient != null ? tunnelFromClient.bytes() : request.bytesRead();
  }

  /** Response body bytes written to the client (or tunnelled from the upstream). */
  long bytesOut() {
    return tunnelFromUpstream != null ? tunnelFromUpstream.bytes() : request.response().bytesWritten();
  }

  /** Time to first byte of the upstream response, or -1 when none arrived. */
  long ttfbNanos() {
    return responseNanos == 0 ? -1 : responseNanos - startNanos;
  }
}
