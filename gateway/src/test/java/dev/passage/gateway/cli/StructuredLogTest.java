package dev.passage.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway process logs JSON lines to stdout with the shipped logging config, and an event about
 * one exchange carries that exchange's request id as a field a log search can filter on.
 */
class StructuredLogTest {

  @Test
  void stdoutIsJsonLinesAndAnUpstreamFailureCarriesTheRequestId(@TempDir Path dir) throws Exception {
    List<String> lines = runOneFailingRequest(dir, "json");
    JsonObject failure = null;
    for (String line : lines) {
      JsonObject event;
      try {
        event = new JsonObject(line);
      } catch (DecodeException e) {
        throw new AssertionError("not a JSON line: " + line, e);
      }
      assertNotNull(event.getString("time"), line);
      assertNotNull(event.getString("level"), line);
      if ("trace-me-42".equals(event.getString("request_id"))) {
        failure = event;
      }
    }
    assertNotNull(failure, "an event with request_id trace-me-42 in " + lines);
    assertEquals("WARN", failure.getString("level"));
    assertEquals("dead", failure.getString("route"));
    assertEquals(502, failure.getInteger("status"));
    assertTrue(failure.getString("message").startsWith("upstream failed"), failure.encode());
  }

  @Test
  void textFormatIsThereForPeopleAtATerminal(@TempDir Path dir) throws Exception {
    List<String> lines = runOneFailingRequest(dir, "text");
    assertTrue(lines.stream().anyMatch(l -> l.contains("WARN") && l.contains("upstream failed")
        && l.contains("request_id=\"trace-me-42\"")), String.join("\n", lines));
  }

  /** Runs the gateway in its own JVM with the shipped logback.xml and returns its stdout lines. */
  private static List<String> runOneFailingRequest(Path dir, String format) throws Exception {
    int port = freePort();
    int dead = freePort();
    Path config = dir.resolve("passage.yaml");
    Files.writeString(config, """
        listen: 127.0.0.1:%d
        routes:
          - { name: dead, match: { path_prefix: / }, upstream: { targets: ["http://127.0.0.1:%d"] } }
        """.formatted(port, dead));
    Path shippedConfig = Path.of(StructuredLogTest.class.getResource("/logback.xml").toURI());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m",
        "-Dlogback.configurationFile=" + shippedConfig,
        "-cp", System.getProperty("java.class.path"), "dev.passage.gateway.cli.PassageCommand",
        "run", "--config", config.toString()));
    Path out = dir.resolve("stdout.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(dir.resolve("stderr.log").toFile());
    pb.environment().put("PASSAGE_LOG_FORMAT", format);
    Process gateway = pb.start();
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x"))
          .header("X-Request-Id", "trace-me-42").build();
      long deadline = System.currentTimeMillis() + 30_000;
      HttpResponse<String> response = null;
      while (response == null) {
        try {
          response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException notYetListening) {
          if (System.currentTimeMillis() > deadline || !gateway.isAlive()) {
            throw new AssertionError("gateway did not start: " + Files.readString(out), notYetListening);
          }
          Thread.sleep(100);
        }
      }
      assertEquals(502, response.statusCode());
    } finally {
      gateway.destroy();
      assertTrue(gateway.waitFor(30, TimeUnit.SECONDS));
    }
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(out)) {
      if (!line.isBlank()) {
        lines.add(line);
      }
    }
    assertTrue(Files.readString(dir.resolve("stderr.log")).isBlank(), "nothing on stderr");
    return lines;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
