package dev.passage.gateway.admin;

import dev.passage.gateway.metrics.ReadinessCheck;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: health probes, Prometheus metrics and token-protected diagnostics, on its own
 * port so a saturated proxy listener cannot hide the gateway's state, and so it can be firewalled
 * apart from client traffic.
 */
public final class AdminServer {

  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  /** Prometheus text exposition format 0.0.4, what every Prometheus version scrapes. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  /** Recordings started and not yet downloaded; each holds disk until fetched. */
  static final int MAX_PENDING_RECORDINGS = 4;

  private final Vertx vertx;
  private final AdminSettings settings;
  private final PrometheusMeterRegistry registry;
  private final List<ReadinessCheck> checks;
  private final BearerAuth auth;
  private final DebugEndpoints debug;
  private final JfrRecordings recordings = new JfrRecordings(MAX_PENDING_RECORDINGS);
  private final JvmAndProcessMetrics jvmMetrics = new JvmAndProcessMetrics();
  /** {@code /audit/head}, or null when the gateway signs no checkpoints. */
  private final AuditHeadEndpoint auditHead;
  private HttpServer server;

  private AdminServer(Vertx vertx, AdminSettings settings, PrometheusMeterRegistry registry,
      List<ReadinessCheck> checks, MemoryReport memory, AuditHeadEndpoint auditHead) {
    this.vertx = vertx;
    this.auditHead = auditHead;
    this.settings = settings;
    this.registry = registry;
    this.checks = List.copyOf(checks);
    this.auth = new BearerAuth(settings.token(), registry);
    this.debug = new DebugEndpoints(vertx, memory, recordings);
  }

  /**
   * Listens on {@code host:port} (0 picks a free port), then binds the JVM and process meters onto
   * {@code registry}. The future fails, with nothing left open, when the port cannot be bound.
   */
  public static Future<AdminServer> start(Vertx vertx, String host, int port, AdminSettings settings,
      PrometheusMeterRegistry registry, List<ReadinessCheck> checks, MemoryReport memory) {
    return start(vertx, host, port, settings, registry, checks, memory, null);
  }

  /** As above, serving {@code /audit/head} from {@code auditHead} (null: the gateway signs no checkpoints). */
  public static Future<AdminServer> start(Vertx vertx, String host, int port, AdminSettings settings,
      PrometheusMeterRegistry registry, List<ReadinessCheck> checks, MemoryReport memory, AuditHeadEndpoint auditHead) {
    AdminServer admin = new AdminServer(vertx, settings, registry, checks, memory, auditHead);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        // Admin requests are a path and a header or two; anything bigger is not a client of ours.
        .setMaxInitialLineLength(4096)
        .setMaxHeaderSize(8192)
        .setIdleTimeout(60)
        .setCompressionSupported(false);
    admin.server = vertx.createHttpServer(options).requestHandler(admin::handle);
    return admin.server.listen()
        .onSuccess(s -> log.info("passage admin listening on {}:{} (debug {})", host, s.actualPort(),
            settings.debugEnabled() ? "on" : "off: no token"))
        // Bound only once listening, so a failed start leaves the registry as it was.
        .map(s -> {
          admin.jvmMetrics.bindTo(registry);
          return admin;
        })
        .recover(failure -> admin.close().transform(v -> Future.failedFuture(
            new IllegalStateException("admin listener cannot bind " + host + ":" + port + ": " + failure.getMessage(), failure))));
  }

  /** The bound port (useful after asking for port 0). */
  public int port() {
    return server.actualPort();
  }

  /** Stops listening, discards pending flight recordings and unbinds the JVM meters' GC listeners. */
  public Future<Void> close() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> vertx.executeBlocking(() -> {
      recordings.close();
      jvmMetrics.close();
      return null;
    }));
  }

  private void handle(HttpServerRequest request) {
    String path = request.path();
    if (path.equals("/debug") || path.startsWith("/debug/")) {
      // Without a token the diagnostics do not exist, rather than exist and refuse.
      if (!settings.debugEnabled()) {
        AdminResponses.notFound(request);
      } else if (auth.admit(request)) {
        debug.handle(request);
      }
      return;
    }
    if (path.equals("/audit/head")) {
      auditHead(request);
      return;
    }
    if (!settings.publicHealthAndMetrics() && !auth.admit(request)) {
      return;
    }
    switch (path) {
      case "/health/live":
        if (AdminResponses.method(request, "GET")) {
          AdminResponses.send(request, 200, AdminResponses.JSON, "{\"status\":\"live\"}\n");
        }
        break;
      case "/health/ready":
        if (AdminResponses.method(request, "GET")) {
          ready(request);
        }
        break;
      case "/metrics":
        if (AdminResponses.method(request, "GET")) {
          metrics(request);
        }
        break;
      default:
        AdminResponses.notFound(request);
    }
  }

  /** Always behind the token, as {@code /debug}: the head tells how much traffic each sink took. */
  private void auditHead(HttpServerRequest request) {
    if (!settings.debugEnabled()) {
      AdminResponses.error(request, 404, "/audit/head needs admin.token: it is served to token holders only");
    } else if (auth.admit(request)) {
      if (auditHead == null) {
        AdminResponses.error(request, 404, "no signed checkpoints to serve: audit.integrity.signing_key is not set");
      } else {
        auditHead.handle(request);
      }
    }
  }

  private void ready(HttpServerRequest request) {
    JsonObject parts = new JsonObject();
    JsonArray failing = new JsonArray();
    for (ReadinessCheck check : checks) {
      boolean ok;
      String detail;
      try {
        ok = check.ready();
        detail = check.detail();
      } catch (RuntimeException e) {
        // A check that throws is a part that cannot say it is ready.
        ok = false;
        detail = "check failed: " + e;
      }
      parts.put(check.name(), new JsonObject().put("ready", ok).put("detail", detail));
      if (!ok) {
        failing.add(new JsonObject().put("name", check.name()).put("detail", detail));
      }
    }
    JsonObject body = new JsonObject().put("status", failing.isEmpty() ? "ready" : "not_ready");
    if (!failing.isEmpty()) {
      body.put("failing", failing);
    }
    AdminResponses.json(request, failing.isEmpty() ? 200 : 503, body.put("checks", parts));
  }

  private void metrics(HttpServerRequest request) {
    // Off the event loop: a scrape walks every meter and histogram bucket, which grows with routes.
    vertx.executeBlocking(() -> registry.scrape(PROMETHEUS_TEXT), false)
        .onSuccess(text -> AdminResponses.send(request, 200, PROMETHEUS_TEXT, text))
        .onFailure(e -> {
          log.warn("admin: metrics scrape failed", e);
          AdminResponses.error(request, 500, "metrics scrape failed: " + e.getMessage());
        });
  }
}
