package dev.passage.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The forwarding of one exchange to its upstream and back: the request head rewritten and sent
 * with its body as it arrives, the response relayed as it arrives, both through the audit tees, with
 * backpressure both ways (a side that cannot take more stops the other side's reading). Body pieces
 * are Netty's own reference-counted buffers, passed on without copies. Runs on the client
 * connection's event loop, which is also the upstream connection's.
 */
final class ExchangeRelay implements UpstreamGroup.Acquired {

  private final Exchange exchange;
  private final ProxyRoute route;
  private final ClientConnection client;
  private final boolean relayExpectContinue;
  private final boolean replayable;
  private HttpRequest upstreamHead;
  private UpstreamConnection upstream;
  /** Request body pieces that arrived before an upstream connection did. */
  private final ArrayDeque<HttpContent> pending = new ArrayDeque<>(2);
  private boolean sent;
  private boolean reused;
  private boolean retried;
  private boolean requestComplete;
  private boolean responseComplete;
  /** The codec's empty last part after a 1xx response: not the end of this exchange's response. */
  private boolean skipInformationalEnd;
  private boolean keepUpstream;
  private boolean closeClient;
  private boolean abandoned;
  /** host_header: target; the Host is written once the connection's target is known. */
  private boolean headersHostLater;

  ExchangeRelay(Exchange exchange, ProxyRoute route, boolean relayExpectContinue) {
    this.exchange = exchange;
    this.route = route;
    this.client = exchange.client;
    this.relayExpectContinue = relayExpectContinue;
    this.replayable = replayable(exchange);
  }

  /** Whether the request head went to an upstream (the response timeout counts from then). */
  boolean sent() {
    return sent;
  }

  void start() {
    upstreamHead = upstreamHead();
    exchange.armResponseTimeout(route.upstream.responseTimeoutMs());
    if (exchange.audit != null) {
      exchange.requestTee = exchange.audit.requestTee(exchange.request.headers(),
          exchange.admission != null && exchange.admission.hasBody());
    }
    acquire(false);
  }

  private void acquire(boolean fresh) {
    if (exchange.websocket) {
      route.upstream.acquireTunnel(exchange, client.channel().eventLoop(), this);
    } else {
      route.upstream.acquire(exchange, client.channel().eventLoop(), fresh, this);
    }
  }

  /** The head to send: hop-by-hop headers gone, this hop's forwarding headers added, Host as the route says. */
  private HttpRequest upstreamHead() {
    HttpRequest request = exchange.request;
    HttpHeaders headers = new DefaultHttpHeaders(false).add(request.headers());
    String host = headers.get("host");
    boolean chunked = HttpUtil.isTransferEncodingChunked(request);
    ForwardingHeaders.removeHopByHop(headers);
    ForwardingHeaders.addForwarding(headers, exchange.clientIp, route.trustedProxies.trusts(exchange.clientIp), "http",
        host, exchange.id);
    if (chunked) {
      headers.set("transfer-encoding", "chunked");
    }
    if (exchange.websocket) {
      // Some browsers send "Connection: keep-alive, Upgrade"; the upstream gets the canonical pair.
      headers.set("connection", "Upgrade");
      headers.set("upgrade", request.headers().get("upgrade"));
    }
    String mode = route.hostHeader;
    if (mode.equals("target")) {
      headers.remove("host");
      headersHostLater = true;
    } else if (!mode.equals("preserve")) {
      headers.set("host", mode);
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), route.upstreamUri(request.uri()), headers);
  }

  @Override
  public void connected(UpstreamConnection connection, boolean reused) {
    if (exchange.ended() || abandoned) {
      // The client left (or was answered) while the connection was being made: it goes back unused.
      route.upstream.release(connection);
      return;
    }
    this.upstream = connection;
    this.reused = reused;
    connection.attach(this);
    if (headersHostLater) {
      Target t = connection.target();
      upstreamHead.headers().set("host", t.port() == (t.ssl() ? 443 : 80) ? t.host() : t.host() + ":" + t.port());
    }
    connection.write(upstreamHead);
    if (retried && requestComplete) {
      // A retried request has no body; its end went to the connection that died.
      connection.write(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    sent = true;
    HttpContent piece;
    while ((piece = pending.poll()) != null) {
      forward(piece);
    }
    connection.flush();
    client.resume(ClientConnection.PAUSE_CONNECTING);
    if (!connection.isWritable()) {
      client.pause(ClientConnection.PAUSE_UPSTREAM_FULL);
    }
  }

  @Override
  public void failed(Throwable failure) {
    fail(failure);
  }

  /** A piece of the request body from the client. */
  void requestContent(HttpContent content) {
    ByteBuf data = content.content();
    int n = data.readableBytes();
    exchange.bytesIn += n;
    if (n > 0 && exchange.requestTee != null) {
      show(exchange.requestTee, data);
    }
    if (upstream == null) {
      if (abandoned || exchange.ended()) {
        content.release();
        return;
      }
      pending.add(content);
      client.pause(ClientConnection.PAUSE_CONNECTING);
      return;
    }
    forward(content);
    if (!upstream.isWritable()) {
      client.pause(ClientConnection.PAUSE_UPSTREAM_FULL);
    }
  }

  private void forward(HttpContent content) {
    if (content instanceof LastHttpContent) {
      requestComplete = true;
    }
    upstream.write(content);
  }

  /** The client's read ended: what it gave the upstream goes out in one flush. */
  void clientReadComplete() {
    if (upstream != null && sent) {
      upstream.flush();
      if (!upstream.isWritable()) {
        client.pause(ClientConnection.PAUSE_UPSTREAM_FULL);
      }
    }
  }

  void upstreamWritable() {
    client.resume(ClientConnection.PAUSE_UPSTREAM_FULL);
  }

  static void show(dev.passage.capture.BodyTee tee, ByteBuf data) {
    if (data.nioBufferCount() == 1) {
      tee.accept(data.nioBuffer());
    } else {
      for (ByteBuffer part : data.nioBuffers()) {
        tee.accept(part);
      }
    }
  }

  /** The upstream's response head (or an interim 1xx). */
  void responseHead(HttpResponse response) {
    if (!response.decoderResult().isSuccess()) {
      fail(new Outcomes.UpstreamClosed("invalid response from upstream: " + response.decoderResult().cause()));
      return;
    }
    int status = response.status().code();
    if (status >= 100 && status < 200 && status != 101) {
      skipInformationalEnd = true;
      if (status == 100 && relayExpectContinue && exchange.admission != null && exchange.admission.expectContinue()
          && !exchange.responseStarted && !exchange.ended()) {
        client.writeContinue();
      }
      return;
    }
    if (exchange.ended() || abandoned) {
      // The gateway already answered (a refused body) or the client left: nothing to relay.
      drop();
      return;
    }
    exchange.cancelResponseTimeout();
    exchange.responseArrived(status);
    if (status == 101) {
      if (exchange.websocket) {
        skipInformationalEnd = true;
        WebSocketTunnel.splice(exchange, client, upstream, response);
        upstream = null;
        return;
      }
      fail(new Outcomes.UpstreamClosed("upstream switched protocols without being asked"));
      return;
    }
    HttpHeaders headers = response.headers();
    String type = headers.get("content-type");
    if (type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17)) {
      exchange.sse = true;
      route.metrics.sseStarted();
    }
    boolean hasBody = responseHasBody(exchange.request.method(), status);
    boolean length = headers.contains("content-length");
    boolean chunked = HttpUtil.isTransferEncodingChunked(response);
    keepUpstream = HttpUtil.isKeepAlive(response) && response.protocolVersion().equals(HttpVersion.HTTP_1_1)
        && (length || chunked || !hasBody) && !exchange.websocket;
    ForwardingHeaders.removeHopByHop(headers);
    headers.set(ForwardingHeaders.REQUEST_ID, exchange.id);
    if (!headers.contains("date")) {
      // RFC 9110 section 6.6.1: an origin with a clock sends Date; the gateway adds what one left out.
      headers.set("date", HttpDates.now());
    }
    HttpVersion version = ClientConnection.versionFor(exchange.request);
    boolean headFraming = exchange.request.method().equals(HttpMethod.HEAD) && chunked;
    if ((hasBody || headFraming) && !length) {
      if (version.equals(HttpVersion.HTTP_1_1)) {
        headers.set("transfer-encoding", "chunked");
      } else {
        // An HTTP/1.0 client cannot read chunks: the body is delimited by closing (RFC 9112 6.3 rule 8).
        closeClient = true;
      }
    }
    if (exchange.websocket) {
      // The upstream declined the upgrade: its answer is relayed and the connection ends with it,
      // for the front door held what followed the upgrade request; it is never parsed as requests.
      closeClient = true;
    }
    if (closeClient || client.closeAfterResponse()) {
      headers.set("connection", "close");
    }
    exchange.responseHeaders = headers;
    if (exchange.audit != null) {
      exchange.responseTee = exchange.audit.responseTee(headers, hasBody);
    }
    exchange.responseStarted = true;
    client.write(new DefaultHttpResponse(version, response.status(), headers));
  }

  /** A piece of the response body from the upstream. */
  void responseContent(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (skipInformationalEnd && last) {
      skipInformationalEnd = false;
      content.release();
      return;
    }
    if (!exchange.responseStarted || abandoned || responseComplete) {
      content.release();
      if (last) {
        drop();
      }
      return;
    }
    if (!content.decoderResult().isSuccess()) {
      // A malformed chunk: what came before it was relayed; the client must see the body cut short.
      content.release();
      UpstreamConnection connection = upstream;
      upstream = null;
      if (connection != null) {
        connection.detach();
        connection.close();
      }
      exchange.upstreamBroke = true;
      exchange.end(Exchange.Outcome.UPSTREAM_ERROR, 0, "malformed response body from upstream");
      client.closeNow();
      return;
    }
    ByteBuf data = content.content();
    int n = data.readableBytes();
    exchange.bytesOut += n;
    if (n > 0 && exchange.responseTee != null) {
      show(exchange.responseTee, data);
    }
    if (!last) {
      client.write(content);
      return;
    }
    responseComplete = true;
    UpstreamConnection connection = upstream;
    upstream = null;
    connection.detach();
    if (keepUpstream && requestComplete) {
      route.upstream.release(connection);
    } else {
      connection.close();
    }
    boolean close = closeClient || !requestComplete;
    if (exchange.recordBeforeEnd) {
      // audit.delivery: sync. The record says what the upstream sent and what was handed to the
      // client; the last bytes go out once it is in the spool.
      exchange.end(Exchange.Outcome.OK, 0, null);
      exchange.afterRecorded(() -> client.writeLast(content, close, ChannelFutureListener.CLOSE_ON_FAILURE));
    } else {
      client.writeLast(content, close, this::responseWritten);
    }
  }

  private void responseWritten(ChannelFuture written) {
    if (written.isSuccess()) {
      exchange.end(Exchange.Outcome.OK, 0, null);
    } else if (!exchange.upstreamBroke) {
      exchange.clientClosed = true;
      exchange.end(Exchange.Outcome.CLIENT_ABORT, 0, "client went away during the response");
    }
  }

  /** The upstream's read ended: flush what it gave the client, then stop reading if the client is full. */
  void upstreamReadComplete() {
    if (!exchange.responseStarted) {
      return;
    }
    client.flush();
    // Checked after the flush: a flush can drain the buffer (and fire writability) on its own.
    if (upstream != null && !client.isWritable()) {
      upstream.autoRead(false);
    }
  }

  void clientWritable() {
    if (upstream != null) {
      upstream.autoRead(true);
    }
  }

  /** The upstream connection closed under this exchange. */
  void upstreamClosed() {
    UpstreamConnection connection = upstream;
    upstream = null;
    if (responseComplete || exchange.ended() || abandoned) {
      return;
    }
    if (!exchange.responseStarted) {
      if (reused && replayable && !retried && !exchange.clientGone()) {
        // The keep-alive race: the upstream closed an idle connection as the request went out.
        retried = true;
        sent = false;
        route.meters.retried();
        acquire(true);
        return;
      }
      fail(new Outcomes.UpstreamClosed(connection != null && sent
          ? "upstream closed the connection before responding" : "upstream connection lost"));
      return;
    }
    // Mid-body: the client's connection is closed too, so it can tell the body is incomplete.
    exchange.upstreamBroke = true;
    exchange.end(Exchange.Outcome.UPSTREAM_ERROR, 0, "upstream failed during the response");
    client.closeNow();
  }

  /** No response will be relayed: answer the client with the failure's status, unless it is gone. */
  void fail(Throwable failure) {
    UpstreamConnection connection = upstream;
    upstream = null;
    if (connection != null) {
      connection.detach();
      connection.close();
    }
    releasePending();
    client.resume(ClientConnection.PAUSE_CONNECTING | ClientConnection.PAUSE_UPSTREAM_FULL);
    if (exchange.ended()) {
      return;
    }
    if (exchange.responseStarted) {
      exchange.upstreamBroke = true;
      exchange.end(Exchange.Outcome.UPSTREAM_ERROR, 0, Outcomes.describe(failure));
      client.closeNow();
      return;
    }
    int status = Outcomes.statusFor(failure);
    boolean clientGone = exchange.clientGone();
    Exchange.Outcome outcome = clientGone ? Exchange.Outcome.CLIENT_ABORT
        : status == 504 ? Exchange.Outcome.TIMEOUT : Exchange.Outcome.UPSTREAM_ERROR;
    // A request whose body was not read to its end, or a declined upgrade, leaves the connection unusable.
    boolean close = exchange.websocket || (exchange.admission != null && exchange.admission.hasBody() && !requestComplete);
    FullHttpResponse answer = clientGone ? null : ErrorResponses.prepare(exchange, status, ErrorResponses.messageFor(status), close);
    if (answer != null) {
      exchange.answeredLocally(answer.headers(), ErrorResponses.bodyOf(answer));
    }
    exchange.end(outcome, clientGone ? 0 : status, Outcomes.describe(failure));
    ErrorResponses.finish(exchange, answer, close);
  }

  /** The client is gone or was answered by the gateway: the upstream request is dropped with its connection. */
  void abandon() {
    abandoned = true;
    releasePending();
    drop();
  }

  private void drop() {
    UpstreamConnection connection = upstream;
    upstream = null;
    if (connection != null) {
      connection.detach();
      connection.close();
    }
  }

  private void releasePending() {
    HttpContent piece;
    while ((piece = pending.poll()) != null) {
      piece.release();
    }
  }

  /**
   * Safe to send again (RFC 9110 section 9.2.2): an idempotent method, or an Idempotency-Key, and
   * no body, so nothing of the request is lost by sending it twice.
   */
  private static boolean replayable(Exchange exchange) {
    if (exchange.websocket || exchange.admission != null && exchange.admission.hasBody()) {
      return false;
    }
    switch (exchange.request.method().name()) {
      case "GET":
      case "HEAD":
      case "OPTIONS":
      case "TRACE":
      case "PUT":
      case "DELETE":
        return true;
      default:
        return exchange.request.headers().contains("idempotency-key");
    }
  }

  /** RFC 9110: HEAD responses and 1xx, 204 and 304 have no content. */
  private static boolean responseHasBody(HttpMethod method, int status) {
    return !method.equals(HttpMethod.HEAD) && status >= 200 && status != 204 && status != 304;
  }
}
