package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real browser (Debian's headless Chromium, installed by .ci/run) opens a WebSocket and an
 * EventSource through the gateway: a proxy version once broke browser WebSockets while a minimal
 * client passed (shared/ENGINE.md).
 */
class BrowserTest {

  @Test
  void aBrowserWebSocketAndEventSourceWorkThroughTheGateway(@TempDir Path profile) throws Exception {
    try (TestUpstream up = TestUpstream.start("up");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - { name: app, match: { path_prefix: /app }, strip_prefix: true, upstream: { targets: ["${UP}"] } }
            """, Map.of("UP", up.url()))) {
      Process chromium = new ProcessBuilder(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--user-data-dir=" + profile, "--dump-dom",
          gw.url("/app/page")))
          .redirectError(profile.resolve("stderr.txt").toFile())
          .start();
      String dom = new String(chromium.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(chromium.waitFor(60, TimeUnit.SECONDS), "chromium finished");
      assertTrue(dom.contains("ws:from-browser"), "the browser's WebSocket echoed through the gateway: " + dom
          + Files.readString(profile.resolve("stderr.txt")).lines().limit(5).toList());
      assertTrue(dom.contains("sse:3"), "the browser received three events: " + dom);
    }
  }
}
