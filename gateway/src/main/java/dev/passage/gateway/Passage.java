package dev.passage.gateway;

import dev.passage.audit.AuditPipeline;
import dev.passage.capture.CaptureBudget;
import dev.passage.gateway.admin.AdminServer;
import dev.passage.gateway.admin.AdminSettings;
import dev.passage.gateway.admin.AuditHeadEndpoint;
import dev.passage.gateway.admin.MemoryReport;
import dev.passage.gateway.config.PassageConfig;
import dev.passage.gateway.proxy.Gateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * A running Passage: the engine ({@link Gateway}) and, when configured, the admin listener beside
 * it. The one place that composes the two, so the engine never depends on the admin listener.
 */
public final class Passage {

  private final Gateway gateway;
  private AdminServer admin;

  private Passage(Gateway gateway) {
    this.gateway = gateway;
  }

  /** Starts the engine, then the admin listener; the future fails (after cleaning up) when either cannot bind. */
  public static Future<Passage> start(PassageConfig config) {
    return Gateway.start(config).compose(gateway -> {
      Passage passage = new Passage(gateway);
      return passage.startAdmin(config).map(passage)
          .recover(failure -> passage.close().transform(v -> Future.failedFuture(failure)));
    });
  }

  private Future<Void> startAdmin(PassageConfig config) {
    if (config.admin() == null || config.admin().listen() == null) {
      return Future.succeededFuture();
    }
    String listen = config.admin().listen();
    AdminSettings settings = new AdminSettings(config.admin().token(), config.admin().publicMetrics());
    return AdminServer.start(gateway.vertx(), Gateway.host(listen), Gateway.port(listen), settings,
            gateway.metrics().registry(), gateway.readinessChecks(), new MemoryReport(gateway::memoryParts),
            AuditHeadEndpoint.of(gateway.auditPipeline()))
        .onSuccess(a -> admin = a)
        .mapEmpty();
  }

  /** The bound proxy port (useful when the config says port 0). */
  public int port() {
    return gateway.port();
  }

  /** The bound admin port, or -1 when no admin listener is configured. */
  public int adminPort() {
    return admin == null ? -1 : admin.port();
  }

  /** The audit pipeline, or null when no sink is configured. */
  public AuditPipeline auditPipeline() {
    return gateway.auditPipeline();
  }

  /** The global capture budget, or null when no sink is configured. */
  public CaptureBudget captureBudget() {
    return gateway.captureBudget();
  }

  public Vertx vertx() {
    return gateway.vertx();
  }

  /** Stops the admin listener and the engine together; Vert.x closes after both (they share it). */
  public Future<Void> close() {
    return gateway.close(admin == null ? Future.succeededFuture() : admin.close());
  }
}
