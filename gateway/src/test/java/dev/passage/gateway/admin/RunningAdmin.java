package dev.passage.gateway.admin;

import dev.passage.gateway.metrics.ReadinessCheck;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An admin listener on 127.0.0.1 port 0 with its own Vert.x and registry, and a JDK client for it. */
final class RunningAdmin implements AutoCloseable {

  final Vertx vertx = Vertx.vertx();
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final AdminServer server;

  RunningAdmin(AdminSettings settings, List<ReadinessCheck> checks, MemoryReport memory) throws Exception {
    server = AdminServer.start(vertx, "127.0.0.1", 0, settings, registry, checks, memory)
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  HttpResponse<String> get(String path, String token) throws Exception {
    return client.send(request(path, token).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<byte[]> getBytes(String path, String token) throws Exception {
    return client.send(request(path, token).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<String> post(String path, String token) throws Exception {
    return client.send(request(path, token).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  /** The value of the one exposition line for {@code series} (name plus labels as printed), or null. */
  String scrapedValue(String series) throws Exception {
    for (String line : get("/metrics", null).body().split("\n")) {
      if (line.startsWith(series + " ")) {
        return line.substring(series.length() + 1);
      }
    }
    return null;
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    registry.close();
  }
}
