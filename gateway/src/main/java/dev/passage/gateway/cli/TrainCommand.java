package dev.passage.gateway.cli;

import dev.passage.gateway.Passage;
import dev.passage.gateway.config.AuditConfig;
import dev.passage.gateway.config.MatchConfig;
import dev.passage.gateway.config.PassageConfig;
import dev.passage.gateway.config.RouteConfig;
import dev.passage.gateway.config.SinkConfig;
import dev.passage.gateway.config.UpstreamConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code passage train}: a short, self-contained workload for a JDK's ahead-of-time cache (JEPs
 * 483 and 515). The launcher runs it once, under {@code -XX:AOTCacheOutput}, when it first finds a
 * JDK that has the cache: the classes it loads and the method profiles it gathers are stored, so a
 * gateway started later reaches its compiled speed in seconds instead of the minute a cold JVM on
 * one core needs. It starts the demo upstream and an audited gateway on ephemeral loopback ports,
 * drives the paths a gateway lives on (small GETs, JSON POSTs with secrets to redact, a streamed
 * download, WebSocket echoes), and stops.
 */
@Command(name = "train", hidden = true, description = "Exercise the gateway briefly, for a JDK's AOT cache.")
final class TrainCommand implements Callable<Integer> {

  @Option(names = "--seconds", defaultValue = "20", description = "how long to drive load (default ${DEFAULT-VALUE})")
  int seconds;

  @Option(names = "--connections", defaultValue = "32", description = "client connections (default ${DEFAULT-VALUE})")
  int connections;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("passage-train");
    Vertx load = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Passage gateway = null;
    try {
      HttpServer upstream = await(DemoUpstream.start(load, "127.0.0.1", 0));
      String upstreamUrl = "http://127.0.0.1:" + upstream.actualPort();
      int port = freePort();
      RouteConfig route = new RouteConfig("default", new MatchConfig("*", "/", List.of()), false,
          new UpstreamConfig(List.of(upstreamUrl), null, null, null, null, null, null, null, null), null, null);
      AuditConfig audit = new AuditConfig(null, null, null,
          List.of(new SinkConfig("file", dir.resolve("audit.jsonl").toString(), null, null)), null);
      PassageConfig config = Launcher.validated(
          new PassageConfig("127.0.0.1:" + port, null, null, List.of(route), audit));
      gateway = await(Passage.start(config));
      long requests = drive(load, port);
      System.err.println("passage train: " + requests + " exchanges in " + seconds + " s");
      return 0;
    } finally {
      if (gateway != null) {
        gateway.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      load.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Keeps every connection busy until the time is up; returns how many exchanges completed. */
  private long drive(Vertx load, int port) throws Exception {
    HttpClient client = load.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
        new PoolOptions().setHttp1MaxSize(connections));
    WebSocketClient webSockets = load.createWebSocketClient();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong done = new AtomicLong();
    Buffer post = Buffer.buffer("{\"user\":\"trainer\",\"password\":\"not-a-secret\",\"items\":[1,2,3],\"note\":\""
        + "x".repeat(2048) + "\"}");
    CountDownLatch finished = new CountDownLatch(connections + 1);
    for (int c = 0; c < connections; c++) {
      int lane = c;
      load.runOnContext(v -> loop(client, post, lane, 0, end, done, finished));
    }
    load.runOnContext(v -> webSocketLoop(webSockets, port, end, done, finished));
    finished.await(seconds + 30L, TimeUnit.SECONDS);
    return done.get();
  }

  /** One connection's worth of exchanges, one after another, in a fixed mix. */
  private static void loop(HttpClient client, Buffer post, int lane, long n, long end, AtomicLong done,
      CountDownLatch finished) {
    if (System.nanoTime() - end >= 0) {
      finished.countDown();
      return;
    }
    long kind = (n + lane) % 16;
    Future<Buffer> exchange;
    if (kind < 11) {
      exchange = client.request(HttpMethod.GET, "/json?size=1024")
          .compose(req -> req.send().compose(res -> res.body()));
    } else if (kind < 15) {
      exchange = client.request(HttpMethod.POST, "/echo")
          .compose(req -> req.putHeader("content-type", "application/json").putHeader("authorization", "Bearer t")
              .send(post).compose(res -> res.body()));
    } else {
      exchange = client.request(HttpMethod.GET, "/download?bytes=1048576")
          .compose(req -> req.send().compose(res -> res.body()));
    }
    exchange.onComplete(r -> {
      done.incrementAndGet();
      loop(client, post, lane, n + 1, end, done, finished);
    });
  }

  private static void webSocketLoop(WebSocketClient client, int port, long end, AtomicLong done,
      CountDownLatch finished) {
    client.connect(port, "127.0.0.1", "/ws").onComplete(opened -> {
      if (opened.failed()) {
        finished.countDown();
        return;
      }
      var ws = opened.result();
      ws.handler(echo -> {
        done.incrementAndGet();
        if (System.nanoTime() - end >= 0) {
          ws.close();
          finished.countDown();
        } else {
          ws.writeTextMessage("ping");
        }
      });
      ws.writeTextMessage("ping");
    });
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
