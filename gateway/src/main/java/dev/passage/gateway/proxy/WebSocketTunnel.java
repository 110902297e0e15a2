package dev.passage.gateway.proxy;

import dev.passage.capture.BodyTee;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.net.NetSocket;
import java.util.Map;

/**
 * A WebSocket upgrade proxied as a byte tunnel. The upstream connection is opened with
 * {@code connect()}, which takes it out of the pool, so the tunnel is pinned to the target that
 * accepted the upgrade and no other request can ride it. Both directions are piped with
 * backpressure, unlike the proxy library's own tunnel (shared/ENGINE.md).
 */
final class WebSocketTunnel {

  private WebSocketTunnel() {}

  static void open(HttpServerRequest request, Exchange exchange) {
    request.pause();
    ProxyRoute route = exchange.route;
    Vertx vertx = ((HttpServerRequestInternal) request).context().owner();
    long timeoutMs = route.upstream.responseTimeoutMs();
    // The same bound as for any response: an upstream that takes the connection and never answers
    // the upgrade must not hold the client, a target slot and an audit slot forever.
    exchange.armResponseTimeout(vertx, timeoutMs);
    route.upstream.openTunnel(exchange, route.upstreamUri(request.uri()))
        .compose(upstream -> {
          exchange.upstreamRequest = upstream;
          upstream.exceptionHandler(failure -> {});
          copyUpgradeHeaders(request, upstream, exchange);
          return upstream.connect();
        })
        .andThen(ar -> exchange.cancelResponseTimeout(vertx))
        .onComplete(ar -> {
          if (ar.failed()) {
            int status = Outcomes.statusFor(ar.cause());
            request.resume();
            // Not a tunnel after all: the front door held what followed, so the connection ends here.
            String body = ErrorResponses.send(request, status, ErrorResponses.messageFor(status), exchange.id, true);
            exchange.answeredLocally(request.response().headers(), body);
            exchange.end(status == 504 ? Exchange.Outcome.TIMEOUT : Exchange.Outcome.UPSTREAM_ERROR, status, Outcomes.describe(ar.cause()));
            return;
          }
          HttpClientResponse upstreamResponse = ar.result();
          exchange.responseArrived(upstreamResponse.statusCode());
          if (upstreamResponse.statusCode() == 101) {
            // A socket without a read handler drops what arrives (NetSocketImpl): hold upstream
            // bytes until the pipe is attached, and attach it on the client connection's thread
            // so the client's first frame cannot arrive before there is a handler for it.
            NetSocket upstreamSocket = upstreamResponse.netSocket();
            upstreamSocket.pause();
            ((HttpServerRequestInternal) request).context().execute(v -> splice(request, upstreamResponse, upstreamSocket, exchange));
          } else {
            refuse(request, upstreamResponse, exchange);
          }
        });
  }

  private static void copyUpgradeHeaders(HttpServerRequest request, HttpClientRequest upstream, Exchange exchange) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
    String host = headers.get("host");
    ForwardingHeaders.removeHopByHop(headers);
    ForwardingHeaders.addForwarding(headers, exchange.clientIp, exchange.route.trustedProxies.trusts(exchange.clientIp),
        request.scheme(), host, exchange.id);
    headers.remove("host");
    for (Map.Entry<String, String> h : headers) {
      upstream.headers().add(h.getKey(), h.getValue());
    }
    // Some browsers send "Connection: keep-alive, Upgrade"; the upstream gets the canonical pair.
    upstream.headers().set("connection", "Upgrade");
    upstream.headers().set("upgrade", request.getHeader("upgrade"));
    if (exchange.route.hostHeader.equals("preserve") && request.authority() != null) {
      upstream.authority(request.authority());
    }
  }

  private static void splice(
      HttpServerRequest request, HttpClientResponse upstreamResponse, NetSocket upstreamSocket, Exchange exchange) {
    HttpServerResponse response = request.response();
    if (response.closed()) {
      // The client left while the upstream was answering: there is no connection to splice.
      upstreamSocket.close();
      exchange.end(Exchange.Outcome.CLIENT_ABORT, 101, "client went away during the upgrade");
      return;
    }
    response.setStatusCode(101);
    response.headers().addAll(upstreamResponse.headers());
    response.headers().set(ForwardingHeaders.REQUEST_ID, exchange.id);
    Future<NetSocket> clientSocket = request.toNetSocket();
    clientSocket.onComplete(ar -> {
      if (ar.failed()) {
        upstreamSocket.close();
        exchange.end(Exchange.Outcome.CLIENT_ABORT, 101, "client went away during the upgrade");
        return;
      }
      NetSocket downstream = ar.result();
      // Audited upgraded bytes are counted and digested both ways, never kept (SkipReason.WEBSOCKET).
      BodyTee up = exchange.audit == null ? null : RouteAudit.websocketTee();
      BodyTee down = exchange.audit == null ? null : RouteAudit.websocketTee();
      exchange.requestTee = up;
      exchange.responseTee = down;
      exchange.tunnelFromClient = new TeeReadStream(downstream, up);
      exchange.tunnelFromUpstream = new TeeReadStream(upstreamSocket, down);
      exchange.route.metrics.webSocketOpened();
      exchange.tunnelFromClient.pipeTo(upstreamSocket);
      exchange.tunnelFromUpstream.pipeTo(downstream);
      // Only now, with a reader on the socket, may the front door pass the client's bytes on unparsed.
      if (exchange.admission != null) {
        exchange.admission.tunnelEstablished();
      }
      // Either side closing closes the other; the exchange ends (and its record is written) once.
      downstream.closeHandler(v -> {
        upstreamSocket.close();
        exchange.end(Exchange.Outcome.OK, 101, null);
      });
      upstreamSocket.closeHandler(v -> {
        downstream.close();
        exchange.end(Exchange.Outcome.OK, 101, null);
      });
    });
  }

  private static void refuse(HttpServerRequest request, HttpClientResponse upstreamResponse, Exchange exchange) {
    // The upstream declined the upgrade: relay its answer as an ordinary response.
    request.resume();
    HttpServerResponse response = request.response();
    response.setStatusCode(upstreamResponse.statusCode());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(upstreamResponse.headers());
    ForwardingHeaders.removeHopByHop(headers);
    response.headers().addAll(headers);
    response.headers().set(ForwardingHeaders.REQUEST_ID, exchange.id);
    // The front door held the bytes after the upgrade request; they are never parsed as requests.
    response.headers().set("connection", "close");
    if (!headers.contains("content-length")) {
      response.setChunked(true);
    }
    upstreamResponse.pipeTo(response).onComplete(done -> {
      exchange.end(done.succeeded() ? Exchange.Outcome.OK : Exchange.Outcome.CLIENT_ABORT, upstreamResponse.statusCode(), null);
      request.connection().close();
    });
  }
}
