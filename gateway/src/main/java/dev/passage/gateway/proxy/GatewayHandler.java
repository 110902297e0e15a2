package dev.passage.gateway.proxy;

import dev.passage.gateway.routing.RouteTable;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;

/** Entry point of every client request: id, route, then WebSocket tunnel or proxy. */
final class GatewayHandler implements Handler<HttpServerRequest> {

  private final RouteTable<ProxyRoute> routes;
  private final Exchange.Listener listener;
  private final AuditTrail trail;

  GatewayHandler(RouteTable<ProxyRoute> routes, Exchange.Listener listener, AuditTrail trail) {
    this.routes = routes;
    this.listener = listener;
    this.trail = trail;
  }

  @Override
  public void handle(HttpServerRequest request) {
    String id = RequestIds.accept(request.getHeader(ForwardingHeaders.REQUEST_ID));
    HostAndPort authority = request.authority();
    String host = authority == null ? null : authority.host();
    ProxyRoute route = routes.match(host, request.path(), request.method().name());
    if (route == null) {
      reject(request, id, 404);
      return;
    }
    if (request.version() == HttpVersion.HTTP_1_0 && request.headers().contains("transfer-encoding")) {
      // HTTP/1.0 has no chunked framing; such a body could only be read by buffering it whole.
      reject(request, id, 400);
      return;
    }
    boolean websocket = request.canUpgradeToWebSocket();
    Exchange exchange = new Exchange(id, request, route, websocket, listener);
    admit(exchange, route.audit, () -> {
      if (websocket) {
        WebSocketTunnel.open(request, exchange);
      } else {
        route.proxy(request, exchange);
      }
    });
  }

  private void reject(HttpServerRequest request, String id, int status) {
    Exchange exchange = new Exchange(id, request, null, false, listener);
    admit(exchange, trail == null ? null : trail.unrouted, () -> {
      exchange.end(Exchange.Outcome.REJECTED, status, ErrorResponses.messageFor(status));
      ErrorResponses.send(request.response(), status, ErrorResponses.messageFor(status), id);
    });
  }

  private void admit(Exchange exchange, RouteAudit audit, Runnable proceed) {
    if (trail == null || audit == null || !audit.enabled) {
      proceed.run();
      return;
    }
    exchange.audit = audit;
    trail.admit(exchange, proceed);
  }
}
