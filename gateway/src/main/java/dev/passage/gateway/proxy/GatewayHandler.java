package dev.passage.gateway.proxy;

import dev.passage.gateway.edge.Admission;
import dev.passage.gateway.edge.RefusalReason;
import dev.passage.gateway.routing.RouteTable;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Entry point of every client request, after the front door: its decision, the route, then the
 * forwarding (a plain exchange or a WebSocket tunnel). Every refusal, whoever decides it, ends here
 * or in {@link #bodyRefused} as an exchange with its record, metric and answer.
 */
final class GatewayHandler {

  private static final String ALLOW = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";

  private final RouteTable<ProxyRoute> routes;
  private final Exchange.Listener listener;
  private final AuditTrail trail;
  /** server.expect_continue: upstream, the upstream's 100 is relayed (ExchangeRelay) instead of sent here. */
  private final boolean relayExpectContinue;

  GatewayHandler(RouteTable<ProxyRoute> routes, Exchange.Listener listener, AuditTrail trail,
      boolean relayExpectContinue) {
    this.relayExpectContinue = relayExpectContinue;
    this.routes = routes;
    this.listener = listener;
    this.trail = trail;
  }

  boolean relayExpectContinue() {
    return relayExpectContinue;
  }

  /** Starts the exchange of a request the codec decoded; returns it (the connection serves it next). */
  Exchange begin(ClientConnection client, HttpRequest request, Admission admission) {
    String id = RequestIds.accept(request.headers().get(ForwardingHeaders.REQUEST_ID));
    if (admission == null || admission.refusal() != null || !request.decoderResult().isSuccess()) {
      RefusalReason reason = admission == null || admission.refusal() == null ? RefusalReason.BAD_REQUEST_LINE
          : admission.refusal();
      return refuse(client, request, id, reason, null, admission, true);
    }
    boolean websocket = isWebSocketUpgrade(request);
    if (!websocket) {
      admission.noTunnel();
    }
    if (admission.asteriskOptions()) {
      return answerOptions(client, request, id, admission);
    }
    String uri = request.uri();
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    ProxyRoute route = routes.match(hostOf(request.headers().get("host")), path, request.method().name());
    if (route == null) {
      // Without a body the connection stays usable; with one, closing is cheaper than draining it.
      return refuse(client, request, id, RefusalReason.NO_ROUTE, null, admission, admission.hasBody() || websocket);
    }
    if (route.maxRequestBodyBytes >= 0) {
      String length = request.headers().get("content-length");
      if (length != null && Long.parseLong(length) > route.maxRequestBodyBytes) {
        return refuse(client, request, id, RefusalReason.BODY_TOO_LARGE, route, admission, true);
      }
      admission.limitBody(route.maxRequestBodyBytes);
    }
    Exchange exchange = new Exchange(id, request, client, route, websocket, listener);
    exchange.admission = admission;
    ExchangeRelay relay = new ExchangeRelay(exchange, route, relayExpectContinue);
    exchange.relay = relay;
    admission.onBodyRefused(reason -> bodyRefused(exchange, reason));
    admit(exchange, route.audit, () -> {
      if (exchange.ended()) {
        return;
      }
      if (admission.expectContinue() && !relayExpectContinue) {
        client.writeContinue();
      }
      relay.start();
    });
    return exchange;
  }

  /** RFC 6455 section 4.1: a GET that asks to upgrade to websocket. */
  private static boolean isWebSocketUpgrade(HttpRequest request) {
    if (!request.method().equals(HttpMethod.GET)) {
      return false;
    }
    HttpHeaders h = request.headers();
    String upgrade = h.get("upgrade");
    return upgrade != null && upgrade.equalsIgnoreCase("websocket") && h.containsValue("connection", "upgrade", true);
  }

  /** The host part of a Host header (brackets of an IPv6 literal removed, port dropped). */
  static String hostOf(String authority) {
    if (authority == null) {
      return null;
    }
    if (authority.startsWith("[")) {
      int end = authority.indexOf(']');
      return end < 0 ? authority : authority.substring(1, end);
    }
    int colon = authority.lastIndexOf(':');
    return colon < 0 ? authority : authority.substring(0, colon);
  }

  /** The client's connection closed while the exchange was still open. */
  void clientClosed(Exchange exchange) {
    exchange.clientClosed = true;
    if (exchange.upstreamBroke) {
      exchange.end(Exchange.Outcome.UPSTREAM_ERROR, 0, "upstream failed during the response");
    } else {
      exchange.end(Exchange.Outcome.CLIENT_ABORT, 0, "client went away");
    }
    if (exchange.relay != null) {
      exchange.relay.abandon();
    }
  }

  /**
   * The body went wrong after the request was admitted (bad chunk, stalled, too large): the
   * upstream request is dropped so it never sees a truncated body as complete, the client gets the
   * refusal if no response started, and the connection closes either way.
   */
  private static boolean bodyRefused(Exchange exchange, RefusalReason reason) {
    if (exchange.ended()) {
      return false;
    }
    FullHttpResponse answer = ErrorResponses.prepare(exchange, reason.status(), reason.message(), true);
    if (answer != null) {
      exchange.answeredLocally(answer.headers(), ErrorResponses.bodyOf(answer));
    }
    exchange.endRefused(reason);
    if (exchange.relay != null) {
      exchange.relay.abandon();
    }
    ErrorResponses.finish(exchange, answer, true);
    return true;
  }

  private Exchange refuse(ClientConnection client, HttpRequest request, String id, RefusalReason reason,
      ProxyRoute route, Admission admission, boolean close) {
    Exchange exchange = new Exchange(id, request, client, route, false, listener);
    exchange.admission = admission;
    RouteAudit audit = route != null ? route.audit : trail == null ? null : trail.unrouted;
    admit(exchange, audit, () -> {
      FullHttpResponse answer = ErrorResponses.prepare(exchange, reason.status(), reason.message(), close);
      exchange.answeredLocally(answer == null ? null : answer.headers(), ErrorResponses.bodyOf(answer));
      exchange.endRefused(reason);
      ErrorResponses.finish(exchange, answer, close);
    });
    return exchange;
  }

  private Exchange answerOptions(ClientConnection client, HttpRequest request, String id, Admission admission) {
    Exchange exchange = new Exchange(id, request, client, null, false, listener);
    exchange.admission = admission;
    admit(exchange, trail == null ? null : trail.unrouted, () -> {
      FullHttpResponse answer = new DefaultFullHttpResponse(ClientConnection.versionFor(request), HttpResponseStatus.OK);
      answer.headers().set("allow", ALLOW).set("content-length", "0").set("date", HttpDates.now())
          .set(ForwardingHeaders.REQUEST_ID, id);
      if (client.closeAfterResponse()) {
        answer.headers().set("connection", "close");
      }
      exchange.answeredLocally(answer.headers(), "");
      exchange.end(Exchange.Outcome.OK, 200, null);
      exchange.responseStarted = true;
      exchange.afterRecorded(() -> client.writeLast(answer, client.closeAfterResponse(),
          ChannelFutureListener.CLOSE_ON_FAILURE));
    });
    return exchange;
  }

  private void admit(Exchange exchange, RouteAudit audit, Runnable proceed) {
    if (trail == null || audit == null || !audit.enabled) {
      proceed.run();
      return;
    }
    exchange.audit = audit;
    exchange.recordBeforeEnd = trail.syncDelivery;
    trail.admit(exchange, proceed, () -> {
      // No room in time: the answer and its record go out at once (the record past capacity).
      FullHttpResponse answer = ErrorResponses.prepare(exchange, RefusalReason.AUDIT_BACKLOG.status(),
          RefusalReason.AUDIT_BACKLOG.message(), true);
      exchange.answeredLocally(answer == null ? null : answer.headers(), ErrorResponses.bodyOf(answer));
      exchange.endRefused(RefusalReason.AUDIT_BACKLOG);
      ErrorResponses.finish(exchange, answer, true);
    });
  }
}
