package dev.passage.gateway.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The admin listener, on its own port, never the proxy's: liveness, readiness and Prometheus
 * metrics. (The /debug endpoints of the admin issue are not built yet.)
 */
public final class AdminServer {

  /** One part of readiness, e.g. "proxy listener" or "audit sink". */
  public record ReadinessCheck(String name, BooleanSupplier ready) {}

  private final HttpServer server;

  private AdminServer(HttpServer server) {
    this.server = server;
  }

  public static Future<AdminServer> start(
      Vertx vertx, String host, int port, PrometheusMeterRegistry registry, List<ReadinessCheck> checks) {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> handle(req, registry, checks));
    return server.listen(port, host).map(s -> new AdminServer(s));
  }

  private static void handle(HttpServerRequest req, PrometheusMeterRegistry registry, List<ReadinessCheck> checks) {
    switch (req.path()) {
      case "/health/live":
        json(req, 200, "{\"status\":\"live\"}");
        break;
      case "/health/ready":
        StringBuilder failing = new StringBuilder();
        for (ReadinessCheck c : checks) {
          if (!c.ready().getAsBoolean()) {
            failing.append(failing.length() == 0 ? "" : ",").append('"').append(c.name()).append('"');
          }
        }
        if (failing.length() == 0) {
          json(req, 200, "{\"status\":\"ready\"}");
        } else {
          json(req, 503, "{\"status\":\"not ready\",\"not_ready\":[" + failing + "]}");
        }
        break;
      case "/metrics":
        req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape());
        break;
      default:
        json(req, 404, "{\"error\":\"not found\",\"status\":404}");
    }
  }

  private static void json(HttpServerRequest req, int status, String body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body + "\n");
  }

  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server.close();
  }
}
