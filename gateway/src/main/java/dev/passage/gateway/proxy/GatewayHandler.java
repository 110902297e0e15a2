package dev.passage.gateway.proxy;

import dev.passage.gateway.edge.Admission;
import dev.passage.gateway.edge.RefusalReason;
import dev.passage.gateway.routing.RouteTable;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;

/**
 * Entry point of every client request, after the front door: its decision, the route, then a
 * WebSocket tunnel or the proxy. Every refusal, whoever decides it, ends here or in
 * {@link #bodyRefused} as an exchange with its record, metric and answer.
 */
final class GatewayHandler implements Handler<HttpServerRequest> {

  private static final String ALLOW = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";

  private final RouteTable<ProxyRoute> routes;
  private final Exchange.Listener listener;
  private final AuditTrail trail;
  /** server.expect_continue: upstream, the upstream's 100 is relayed (ProxyRoute) instead of sent here. */
  private final boolean relayExpectContinue;

  GatewayHandler(RouteTable<ProxyRoute> routes, Exchange.Listener listener, AuditTrail trail,
      boolean relayExpectContinue) {
    this.relayExpectContinue = relayExpectContinue;
    this.routes = routes;
    this.listener = listener;
    this.trail = trail;
  }

  @Override
  public void handle(HttpServerRequest request) {
    Admission admission = FrontDoor.admissionOf(request);
    String id = RequestIds.accept(request.getHeader(ForwardingHeaders.REQUEST_ID));
    if (admission == null || admission.refusal() != null) {
      refuse(request, id, admission == null ? RefusalReason.BAD_REQUEST_LINE : admission.refusal(), null, admission, true);
      return;
    }
    boolean websocket = request.canUpgradeToWebSocket();
    if (!websocket) {
      admission.noTunnel();
    }
    if (admission.asteriskOptions()) {
      answerOptions(request, id, admission);
      return;
    }
    HostAndPort authority = request.authority();
    String host = authority == null ? null : authority.host();
    ProxyRoute route = routes.match(host, request.path(), request.method().name());
    if (route == null) {
      // Without a body the connection stays usable; with one, closing is cheaper than draining it.
      refuse(request, id, RefusalReason.NO_ROUTE, null, admission, admission.hasBody() || websocket);
      return;
    }
    if (route.maxRequestBodyBytes >= 0) {
      String length = request.getHeader("content-length");
      if (length != null && Long.parseLong(length) > route.maxRequestBodyBytes) {
        refuse(request, id, RefusalReason.BODY_TOO_LARGE, route, admission, true);
        return;
      }
      admission.limitBody(route.maxRequestBodyBytes);
    }
    Exchange exchange = new Exchange(id, request, route, websocket, listener);
    exchange.admission = admission;
    admission.onBodyRefused(reason -> bodyRefused(exchange, reason));
    if (!websocket) {
      backstop(exchange);
    }
    admit(exchange, route.audit, () -> {
      if (exchange.ended()) {
        return;
      }
      if (admission.expectContinue() && !relayExpectContinue) {
        request.response().writeContinue();
      }
      if (websocket) {
        WebSocketTunnel.open(request, exchange);
      } else {
        route.proxy(request, exchange);
      }
    });
  }

  /**
   * Whatever path the proxy library takes, the exchange ends when its response ends or its
   * connection closes: no answer the library gives by itself can leave an exchange (its record,
   * audit slot and capture budget) open. The paths Passage sees end it first, with more detail.
   */
  private static void backstop(Exchange exchange) {
    HttpServerResponse response = exchange.request.response();
    response.closeHandler(v -> {
      exchange.clientClosed = true;
      if (exchange.upstreamBroke) {
        exchange.end(Exchange.Outcome.UPSTREAM_ERROR, 0, "upstream failed during the response");
      } else {
        exchange.end(Exchange.Outcome.CLIENT_ABORT, 0, "client went away");
      }
      exchange.abandonUpstream();
    });
    response.endHandler(v -> {
      // Vert.x also calls this when the connection closes before the response was written.
      if (!response.ended()) {
        exchange.clientClosed = true;
        if (exchange.upstreamBroke) {
          exchange.end(Exchange.Outcome.UPSTREAM_ERROR, 0, "upstream failed during the response");
        } else {
          exchange.end(Exchange.Outcome.CLIENT_ABORT, 0, "client went away");
        }
        exchange.abandonUpstream();
      } else if (exchange.responseNanos != 0) {
        exchange.end(Exchange.Outcome.OK, response.getStatusCode(), null);
      } else {
        exchange.end(Exchange.Outcome.UPSTREAM_ERROR, response.getStatusCode(), "answered without an upstream response");
      }
    });
  }

  /**
   * The body went wrong after the request was admitted (bad chunk, stalled, too large): the
   * upstream request is reset so it never sees a truncated body as complete, the client gets the
   * refusal if no response started, and the connection closes either way.
   */
  private static boolean bodyRefused(Exchange exchange, RefusalReason reason) {
    if (exchange.ended()) {
      return false;
    }
    String body = ErrorResponses.prepare(exchange.request, reason.status(), reason.message(), exchange.id, true);
    if (body != null) {
      exchange.answeredLocally(exchange.request.response().headers(), body);
    }
    exchange.endRefused(reason);
    ErrorResponses.finish(exchange.request, body, true);
    if (exchange.upstreamRequest != null) {
      exchange.upstreamRequest.reset(0, new IllegalStateException("client request refused: " + reason.wireName()));
    }
    return true;
  }

  private void refuse(HttpServerRequest request, String id, RefusalReason reason, ProxyRoute route,
      Admission admission, boolean close) {
    Exchange exchange = new Exchange(id, request, route, false, listener);
    exchange.admission = admission;
    RouteAudit audit = route != null ? route.audit : trail == null ? null : trail.unrouted;
    admit(exchange, audit, () -> {
      String body = ErrorResponses.prepare(request, reason.status(), reason.message(), id, close);
      exchange.answeredLocally(request.response().headers(), body);
      exchange.endRefused(reason);
      ErrorResponses.finish(request, body, close);
    });
  }

  private void answerOptions(HttpServerRequest request, String id, Admission admission) {
    Exchange exchange = new Exchange(id, request, null, false, listener);
    exchange.admission = admission;
    admit(exchange, trail == null ? null : trail.unrouted, () -> {
      request.response().putHeader("allow", ALLOW).putHeader("content-length", "0")
          .putHeader("date", HttpDates.now()).putHeader(ForwardingHeaders.REQUEST_ID, id).end();
      exchange.answeredLocally(request.response().headers(), "");
      exchange.end(Exchange.Outcome.OK, 200, null);
    });
  }

  private void admit(Exchange exchange, RouteAudit audit, Runnable proceed) {
    if (trail == null || audit == null || !audit.enabled) {
      proceed.run();
      return;
    }
    exchange.audit = audit;
    trail.admit(exchange, proceed, () -> {
      // No room in time: the answer and its record go out at once (the record past capacity).
      String body = ErrorResponses.prepare(exchange.request, RefusalReason.AUDIT_BACKLOG.status(),
          RefusalReason.AUDIT_BACKLOG.message(), exchange.id, true);
      exchange.answeredLocally(exchange.request.response().headers(), body);
      exchange.endRefused(RefusalReason.AUDIT_BACKLOG);
      ErrorResponses.finish(exchange.request, body, true);
    });
  }
}
