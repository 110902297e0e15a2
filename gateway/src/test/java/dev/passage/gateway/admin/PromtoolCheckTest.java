package dev.passage.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prometheus' own linter accepts everything /metrics exposes, after real traffic (a proxied
 * request, a refusal) so that every lazily created series is there. .ci/run installs promtool
 * (Debian's prometheus package).
 */
class PromtoolCheckTest {

  @Test
  void promtoolCheckMetricsFindsNothingToComplainAbout(@TempDir Path dir) throws Exception {
    try (RecordingUpstream up = RecordingUpstream.start();
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            routes:
              - name: r
                match: { path_prefix: / }
                upstream: { targets: ["${U}"] }
            audit:
              sinks: [{ type: file, path: "${AUDIT}" }]
            """, Map.of("U", up.url(), "AUDIT", dir.resolve("audit.jsonl").toString()))) {
      assertEquals(200, gw.get("/ok").statusCode());
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        assertEquals(505, c.send("GET / HTTP/1.2\r\nHost: h\r\n\r\n").read().status());
      }
      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
      try (OutputStream in = promtool.getOutputStream()) {
        in.write(metrics.getBytes(StandardCharsets.UTF_8));
      }
      String said = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, promtool.exitValue(), said);
      assertEquals("", said.strip(), said);
    }
  }
}
