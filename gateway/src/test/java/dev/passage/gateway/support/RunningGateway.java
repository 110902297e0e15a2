package dev.passage.gateway.support;

import dev.passage.gateway.config.ConfigLoader;
import dev.passage.gateway.config.PassageConfig;
import dev.passage.gateway.Passage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A gateway started in this JVM from YAML text on port 0, with a JDK HTTP client pointed at it. */
public final class RunningGateway implements AutoCloseable {

  public final Passage gateway;
  public final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private RunningGateway(Passage gateway) {
    this.gateway = gateway;
  }

  /** {@code yaml} may refer to {@code ${NAME}} from {@code env}. */
  public static RunningGateway start(String yaml, Map<String, String> env) throws Exception {
    PassageConfig config = ConfigLoader.parse("test.yaml", yaml, env::get);
    Passage gateway = Passage.start(config).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    return new RunningGateway(gateway);
  }

  public String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }

  public HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws Exception {
    gateway.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
