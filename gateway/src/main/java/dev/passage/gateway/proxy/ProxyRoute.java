package dev.passage.gateway.proxy;

import dev.passage.gateway.metrics.GatewayMetrics;
import dev.passage.gateway.metrics.RouteMeters;
import dev.passage.gateway.config.RouteConfig;
import dev.passage.gateway.edge.RefusalReason;
import dev.passage.gateway.edge.TrustedProxies;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyOptions;

/**
 * One configured route at run time, and the only place that touches vertx-http-proxy (a tech
 * preview, shared/ENGINE.md): a later move to another engine changes this class and
 * {@link ExchangeInterceptor}.
 */
final class ProxyRoute {

  /**
   * Hands the exchange to the interceptor. {@code HttpProxy.handle} runs the first interceptor
   * synchronously on the calling event loop, so a per-thread slot is enough and costs no lookup.
   */
  private static final ThreadLocal<Exchange> HANDOFF = new ThreadLocal<>();

  final String name;
  final boolean stripPrefix;
  final String pathPrefix;
  final String hostHeader;
  final UpstreamGroup upstream;
  /** This route's audit policy, or null when the gateway writes no records. */
  final RouteAudit audit;
  final GatewayMetrics metrics;
  final RouteMeters meters;
  /** Largest request body accepted, or -1 for no limit. */
  final long maxRequestBodyBytes;
  final TrustedProxies trustedProxies;
  private final HttpProxy proxy;

  ProxyRoute(Vertx vertx, RouteConfig config, int maxResponseHeaderBytes, AuditTrail trail, GatewayMetrics metrics,
      TrustedProxies trustedProxies) {
    this.metrics = metrics;
    this.maxRequestBodyBytes = config.maxRequestBodyBytes();
    this.trustedProxies = trustedProxies;
    this.meters = metrics.route(config.name());
    this.audit = trail == null ? null : new RouteAudit(config.audit(), trail.redact, trail.share(config.audit()));
    if (audit != null) {
      meters.captureShare(audit.budget);
    }
    this.name = config.name();
    this.stripPrefix = config.stripPrefix();
    this.pathPrefix = config.match().pathPrefix();
    this.hostHeader = config.upstream().hostHeader();
    this.upstream = new UpstreamGroup(vertx, config.upstream(), maxResponseHeaderBytes, meters);
    // WebSocket upgrades never reach the proxy: WebSocketTunnel handles them with backpressure.
    this.proxy = HttpProxy.reverseProxy(new ProxyOptions().setSupportWebSocket(false), upstream.client());
    this.proxy.origin(ctx -> {
      Exchange exchange = ctx.get(ExchangeInterceptor.EXCHANGE, Exchange.class);
      return upstream.open(exchange, ctx.request().getMethod(), ctx.request().getURI())
          .onSuccess(req -> {
            exchange.upstreamRequest = req;
            if (exchange.ended() && exchange.outcome() == Exchange.Outcome.CLIENT_ABORT) {
              // The client left while this request waited for a connection: never send it.
              req.reset(0, new IllegalStateException("client went away"));
            }
            // Failures reach the exchange through the response future; without a handler Vert.x
            // would also log every client abort as an error.
            req.exceptionHandler(failure -> {});
            // Only under server.expect_continue: upstream does the canonical head keep Expect.
            if (exchange.request.headers().contains("expect")) {
              relayContinue(vertx, exchange, req);
            }
          });
    });
    this.proxy.addInterceptor(new ExchangeInterceptor(vertx, this));
  }

  void proxy(HttpServerRequest request, Exchange exchange) {
    HANDOFF.set(exchange);
    try {
      proxy.handle(request);
    } finally {
      if (HANDOFF.get() != null) {
        // The proxy answered without running interceptors: it rejected the framing (400/501).
        HANDOFF.remove();
        exchange.endRefused(RefusalReason.BAD_TRANSFER_ENCODING);
      }
    }
  }

  /**
   * server.expect_continue: upstream. The client waits for 100 before it sends the body, so the
   * library (which writes the head with the first body bytes) must be made to send the head now;
   * the upstream's 100 is then relayed. On the next tick the library has set the request's headers.
   */
  private static void relayContinue(Vertx vertx, Exchange exchange, io.vertx.core.http.HttpClientRequest req) {
    req.continueHandler(v -> {
      if (!exchange.ended() && !exchange.request.response().headWritten()) {
        exchange.request.response().writeContinue();
      }
    });
    vertx.runOnContext(v -> {
      try {
        req.sendHead();
      } catch (IllegalArgumentException | IllegalStateException alreadySent) {
        // The client sent its body without waiting: the head went out with it.
      }
    });
  }

  static Exchange takeHandoff() {
    Exchange exchange = HANDOFF.get();
    HANDOFF.remove();
    return exchange;
  }

  /** The URI to send upstream: the prefix removed when strip_prefix is on, never an empty path. */
  String upstreamUri(String uri) {
    if (!stripPrefix || pathPrefix.equals("/")) {
      return uri;
    }
    String prefix = pathPrefix.endsWith("/") ? pathPrefix.substring(0, pathPrefix.length() - 1) : pathPrefix;
    if (!uri.startsWith(prefix)) {
      return uri;
    }
    String rest = uri.substring(prefix.length());
    return rest.isEmpty() || rest.charAt(0) == '?' ? "/" + rest : rest;
  }
}
