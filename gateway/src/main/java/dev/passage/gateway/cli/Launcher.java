package dev.passage.gateway.cli;

import dev.passage.gateway.config.ConfigException;
import ch.qos.logback.classic.LoggerContext;
import dev.passage.gateway.config.ConfigLoader;
import dev.passage.gateway.config.Durations;
import dev.passage.gateway.Passage;
import dev.passage.gateway.config.PassageConfig;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/** Starts a gateway and keeps it up until SIGTERM/SIGINT, then stops it gracefully. */
final class Launcher {

  private Launcher() {}

  static PassageConfig validated(PassageConfig config) throws ConfigException {
    return ConfigLoader.validate("command line", config);
  }

  static int runUntilStopped(PassageConfig config, String demoUpstream) throws Exception {
    Passage gateway;
    try {
      if (demoUpstream != null) {
        io.vertx.core.Vertx demo = io.vertx.core.Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(1));
        int colon = demoUpstream.lastIndexOf(':');
        DemoUpstream.start(demo, demoUpstream.substring(0, colon), Integer.parseInt(demoUpstream.substring(colon + 1)))
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        System.out.println("demo upstream on http://" + demoUpstream);
      }
      gateway = Passage.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      System.err.println("passage: cannot start: " + e.getCause().getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // Room for in-flight exchanges to finish and then for the audit queue to drain.
    long stopMs = Durations.parse(config.server().shutdownGrace()).toMillis()
        + Durations.parse(config.audit().drainTimeout()).toMillis() + 10_000;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        gateway.close().toCompletionStage().toCompletableFuture().get(stopMs, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        System.err.println("passage: unclean stop: " + e);
      } finally {
        // Logging is asynchronous: stopping the context writes out the events still queued.
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext) {
          ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
        }
        stopped.countDown();
      }
    }, "passage-shutdown"));
    stopped.await();
    return 0;
  }
}
