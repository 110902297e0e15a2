package dev.passage.gateway.proxy;

import dev.passage.gateway.admin.AdminServer;
import dev.passage.gateway.admin.GatewayMetrics;
import dev.passage.gateway.config.Durations;
import dev.passage.gateway.config.PassageConfig;
import dev.passage.gateway.config.RouteConfig;
import dev.passage.gateway.routing.RouteRule;
import dev.passage.gateway.routing.RouteTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running gateway: one Vert.x instance, the proxy listener, and the routes. Lifecycle: a
 * validated config goes in, {@link #start} binds, {@link #close} stops (also after a partial start).
 */
public final class Gateway {

  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final PassageConfig config;
  private final Vertx vertx;
  private final List<ProxyRoute> routes = new ArrayList<>();
  private HttpServer server;
  private AuditTrail trail;
  private final GatewayMetrics metrics = new GatewayMetrics();
  private AdminServer admin;

  private Gateway(PassageConfig config, Vertx vertx) {
    this.config = config;
    this.vertx = vertx;
  }

  /** Builds and binds; the future fails (after cleaning up) when a listener cannot bind. */
  public static Future<Gateway> start(PassageConfig config) {
    // One event loop per CPU the JVM may use: more loops than CPUs only adds context switches.
    int cpus = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cpus).setPreferNativeTransport(true));
    Gateway gateway = new Gateway(config, vertx);
    return gateway.bind().map(gateway).recover(failure -> gateway.close().transform(v -> Future.failedFuture(failure)));
  }

  private Future<Void> bind() {
    int maxHeader = config.server().maxHeaderBytes();
    try {
      trail = AuditTrail.create(config.audit());
    } catch (java.io.IOException e) {
      return Future.failedFuture(new IllegalStateException("cannot open audit sink: " + e.getMessage(), e));
    }
    RouteTable.Builder<ProxyRoute> table = RouteTable.builder();
    for (RouteConfig rc : config.routes()) {
      ProxyRoute route = new ProxyRoute(vertx, rc, maxHeader, trail);
      routes.add(route);
      table.add(new RouteRule(rc.match().host(), rc.match().pathPrefix(), new HashSet<>(rc.match().methods())), route);
    }
    HttpServerOptions options = new HttpServerOptions()
        .setHost(host(config.listen()))
        .setPort(port(config.listen()))
        .setMaxInitialLineLength(config.server().maxInitialLineBytes())
        .setMaxHeaderSize(maxHeader)
        .setIdleTimeout((int) Math.max(1, Durations.parse(config.server().idleTimeout()).toSeconds()))
        // Compressed bodies pass through as they are; the gateway neither compresses nor inflates.
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        // HTTP/2 arrives with its own issue; until then h2c upgrades are not accepted.
        .setHttp2ClearTextEnabled(false);
    GatewayHandler handler = new GatewayHandler(table.build(), this::ended, trail);
    server = vertx.createHttpServer(options).requestHandler(handler);
    registerAuditGauges();
    return server.listen()
        .onSuccess(s -> log.info("passage listening on {}:{}", options.getHost(), s.actualPort()))
        .compose(s -> startAdmin());
  }

  private Future<Void> startAdmin() {
    if (config.admin() == null || config.admin().listen() == null) {
      return Future.succeededFuture();
    }
    List<AdminServer.ReadinessCheck> checks = new ArrayList<>();
    checks.add(new AdminServer.ReadinessCheck("proxy listener", () -> server != null && server.actualPort() > 0));
    if (trail != null) {
      checks.add(new AdminServer.ReadinessCheck("audit sinks", trail.pipeline::isAccepting));
    }
    String listen = config.admin().listen();
    return AdminServer.start(vertx, host(listen), port(listen), metrics.registry(), checks)
        .onSuccess(a -> {
          admin = a;
          log.info("passage admin listening on {}:{}", host(listen), a.port());
        })
        .mapEmpty();
  }

  private void registerAuditGauges() {
    if (trail == null) {
      return;
    }
    metrics.counter("passage.audit.records.written", trail.pipeline, p -> p.written());
    metrics.counter("passage.audit.records.dropped", trail.pipeline, p -> p.dropped());
    metrics.gauge("passage.audit.queue.records", null, trail.pipeline::queued);
    metrics.gauge("passage.capture.budget.in.use", "bytes", trail.budget::inUse);
    metrics.gauge("passage.capture.budget.limit", "bytes", trail.budget::limit);
    metrics.counter("passage.capture.budget.exhausted", trail.budget, b -> b.exhaustedCount());
  }

  private void ended(Exchange exchange) {
    metrics.exchange(exchange.route == null ? null : exchange.route.name, exchange.request.method().name(),
        exchange.status, exchange.durationNanos());
    if (exchange.audit != null) {
      trail.record(exchange, exchange.audit);
    }
  }

  /** The bound proxy port (useful when the config says port 0). */
  public int port() {
    return server.actualPort();
  }

  /** The audit pipeline, or null when no sink is configured. */
  public dev.passage.audit.AuditPipeline auditPipeline() {
    return trail == null ? null : trail.pipeline;
  }

  /** The global capture budget, or null when no sink is configured. */
  public dev.passage.capture.CaptureBudget captureBudget() {
    return trail == null ? null : trail.budget;
  }

  /** The bound admin port, or -1 when no admin listener is configured. */
  public int adminPort() {
    return admin == null ? -1 : admin.port();
  }

  public Vertx vertx() {
    return vertx;
  }

  public Future<Void> close() {
    List<Future<Void>> steps = new ArrayList<>();
    if (admin != null) {
      steps.add(admin.close());
    }
    if (server != null) {
      // Graceful: stop accepting, let in-flight exchanges finish within the grace period.
      long graceMs = Durations.parse(config.server().shutdownGrace()).toMillis();
      steps.add(server.shutdown(graceMs, java.util.concurrent.TimeUnit.MILLISECONDS));
    }
    routes.forEach(r -> steps.add(r.upstream.close()));
    return Future.join(steps)
        .transform(ar -> vertx.executeBlocking(() -> {
          // Every record of an exchange that ended is written before the process may exit.
          if (trail != null) {
            trail.close(Duration.ofSeconds(30));
          }
          return null;
        }))
        .transform(ar -> vertx.close())
        .andThen(ar -> metrics.close());
  }

  static String host(String hostPort) {
    String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }
}
