package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.PatternBytes;
import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin listener of a running gateway: after known traffic, {@code /metrics} holds exactly the
 * counts that traffic must produce, under names dashboards can rely on.
 */
class GatewayAdminTest {

  private static final String TOKEN = "s3cret-admin-token";

  @Test
  void metricsCountKnownTrafficByRouteMethodStatusAndReason(@TempDir Path dir) throws Exception {
    int refused;
    try (ServerSocket s = new ServerSocket(0)) {
      refused = s.getLocalPort();
    }
    try (TestUpstream up = TestUpstream.start("up");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0, token: "${TOKEN}" }
            audit: { sinks: [ { type: file, path: "${AUDIT}" } ] }
            routes:
              - { name: api, match: { path_prefix: /api }, strip_prefix: true, upstream: { targets: ["${UP}"] } }
              - { name: down, match: { path_prefix: /down }, upstream: { targets: ["http://127.0.0.1:${REFUSED}"] } }
              - name: slow
                match: { path_prefix: /slow }
                strip_prefix: true
                upstream: { targets: ["${UP}"], response_timeout: 300ms }
            """, Map.of("UP", up.url(), "AUDIT", dir.resolve("a.jsonl").toString(), "TOKEN", TOKEN,
                "REFUSED", Integer.toString(refused)))) {
      Admin admin = new Admin(gw);
      for (int i = 0; i < 7; i++) {
        assertEquals(200, gw.get("/api/x").statusCode());
      }
      for (int i = 0; i < 3; i++) {
        assertEquals(404, gw.get("/nope").statusCode());
      }
      HttpResponse<String> echo = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/api/echo")))
          .POST(HttpRequest.BodyPublishers.ofByteArray(new PatternBytes().next(1000)))
          .header("content-type", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, echo.statusCode());
      HttpResponse<byte[]> download = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/api/bytes?n=300000")))
          .build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(300_000, download.body().length);
      assertEquals(502, gw.get("/down/x").statusCode());
      assertEquals(504, gw.get("/slow/slow-headers?ms=3000").statusCode());

      assertEquals(200, admin.get("/health/live", null).statusCode());
      HttpResponse<String> ready = admin.get("/health/ready", null);
      assertEquals(200, ready.statusCode(), ready.body());
      assertEquals("ready", new JsonObject(ready.body()).getString("status"));

      String url = up.url();
      String target = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
      admin.await("passage_audit_records_written_total", v -> v == 14.0);
      admin.expect("passage_requests_total{method=\"GET\",route=\"api\",status_class=\"2xx\"}", 8.0);
      admin.expect("passage_requests_total{method=\"POST\",route=\"api\",status_class=\"2xx\"}", 1.0);
      admin.expect("passage_requests_total{method=\"GET\",route=\"none\",status_class=\"4xx\"}", 3.0);
      admin.expect("passage_requests_total{method=\"GET\",route=\"down\",status_class=\"5xx\"}", 1.0);
      admin.expect("passage_requests_total{method=\"GET\",route=\"slow\",status_class=\"5xx\"}", 1.0);
      admin.expect("passage_request_duration_seconds_count{route=\"api\"}", 9.0);
      admin.expect("passage_upstream_ttfb_seconds_count{route=\"api\"}", 9.0);
      admin.expect("passage_responses_502_total{route=\"down\"}", 1.0);
      admin.expect("passage_responses_504_total{route=\"slow\"}", 1.0);
      admin.expect("passage_responses_502_total{route=\"api\"}", 0.0);
      admin.expect("passage_upstream_connect_errors_total{route=\"down\",target=\"http://127.0.0.1:" + refused + "\"}", 1.0);
      admin.expect("passage_bytes_received_total{route=\"api\"}", 1000.0);
      double sent = admin.value("passage_bytes_sent_total{route=\"api\"}");
      assertTrue(sent >= 300_000 + 7 * 20 && sent < 302_000, "bytes sent: " + sent);
      // The download is application/octet-stream, which the default content policy never keeps.
      assertTrue(admin.value("passage_capture_skipped_bytes_total{reason=\"content_type\"}") >= 300_000);
      admin.expect("passage_upstream_pool_max_connections{route=\"api\",target=\"" + target + "\"}", 512.0);
      admin.expect("passage_upstream_requests_in_flight{route=\"api\",target=\"" + target + "\"}", 0.0);
      admin.expect("passage_capture_budget_limit_bytes", 64.0 * 1024 * 1024);
      admin.expect("passage_capture_budget_in_use_bytes", 0.0);
      assertTrue(admin.value("passage_process_resident_memory_bytes") > 10 * 1024 * 1024, "RSS is reported");
      assertNotNull(admin.valueOrNull("passage_netty_allocator_used_direct_bytes"));
      assertNotNull(admin.valueOrNull("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"}"), "heap by pool");
      assertEquals(404, admin.get("/api/x", null).statusCode(), "the admin port does not proxy");
      assertNotEquals(gw.gateway.adminPort(), gw.gateway.port());
    }
  }

  @Test
  void openStreamsAndConnectionsAreGaugedWhileTheyLast(@TempDir Path dir) throws Exception {
    try (TestUpstream up = TestUpstream.start("up");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            routes:
              - { name: live, match: { path_prefix: / }, upstream: { targets: ["${UP}"] } }
            """, Map.of("UP", up.url()))) {
      Admin admin = new Admin(gw);
      URI wsUri = URI.create("ws://127.0.0.1:" + gw.gateway.port() + "/ws");
      WebSocket ws1 = gw.client.newWebSocketBuilder().buildAsync(wsUri, new WebSocket.Listener() {}).get(5, TimeUnit.SECONDS);
      WebSocket ws2 = gw.client.newWebSocketBuilder().buildAsync(wsUri, new WebSocket.Listener() {}).get(5, TimeUnit.SECONDS);
      admin.await("passage_active_websockets", v -> v == 2.0);
      admin.expect("passage_active_connections", 2.0);
      ws1.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
      ws2.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
      admin.await("passage_active_websockets", v -> v == 0.0);
      // An upgraded connection leaves the HTTP layer; its end must still be counted.
      admin.await("passage_active_connections", v -> v == 0.0);

      HttpResponse<InputStream> sse = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/sse?events=1"))).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      admin.await("passage_active_sse_streams", v -> v == 1.0);
      assertTrue(up.awaitEventWaiting(5_000));
      up.releaseEvent();
      sse.body().readAllBytes();
      admin.await("passage_active_sse_streams", v -> v == 0.0);
      admin.await("passage_requests_total{method=\"GET\",route=\"live\",status_class=\"2xx\"}", v -> v == 1.0);
      admin.expect("passage_requests_total{method=\"GET\",route=\"live\",status_class=\"1xx\"}", 2.0);
      // Tunnels and event streams last as long as their users want: they would swamp request latency.
      admin.expect("passage_request_duration_seconds_count{route=\"live\"}", 0.0);
      admin.expect("passage_upstream_ttfb_seconds_count{route=\"live\"}", 3.0);
    }
  }

  @Test
  void aFailingSinkMakesTheGatewayNotReadyAndIsCountedWhileItsRecordsWait() throws Exception {
    try (TestUpstream up = TestUpstream.start("up");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            audit:
              drain_timeout: 1s
              sinks: [ { type: file, path: /dev/full } ]
            routes:
              - { name: api, match: { path_prefix: / }, upstream: { targets: ["${UP}"] } }
            """, Map.of("UP", up.url()))) {
      Admin admin = new Admin(gw);
      assertEquals(200, gw.get("/x").statusCode(), "the exchange itself is served");
      admin.await("passage_audit_sink_errors_total", v -> v >= 2);
      HttpResponse<String> ready = admin.get("/health/ready", null);
      assertEquals(503, ready.statusCode(), ready.body());
      JsonObject body = new JsonObject(ready.body());
      assertEquals("not_ready", body.getString("status"));
      assertEquals("audit_sinks", body.getJsonArray("failing").getJsonObject(0).getString("name"));
      assertTrue(body.getJsonObject("checks").getJsonObject("proxy_listener").getBoolean("ready"));
      // The sink holds the line and the writer keeps retrying its flush: not written, not dropped.
      admin.expect("passage_audit_records_written_total", 0.0);
      admin.expect("passage_audit_records_dropped_total", 0.0);
    }
  }

  @Test
  void debugNeedsTheTokenAndReportsMemoryThatAddsUpToRss() throws Exception {
    try (TestUpstream up = TestUpstream.start("up");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0, token: "${TOKEN}" }
            audit: { sinks: [ { type: file, path: "${AUDIT}" } ] }
            routes:
              - { name: api, match: { path_prefix: / }, upstream: { targets: ["${UP}"] } }
            """, Map.of("UP", up.url(), "TOKEN", TOKEN,
                "AUDIT", java.nio.file.Files.createTempDirectory("audit").resolve("a.jsonl").toString()))) {
      Admin admin = new Admin(gw);
      assertEquals(401, admin.get("/debug/memory", null).statusCode());
      assertEquals(401, admin.get("/debug/memory", "wrong").statusCode());
      HttpResponse<String> memory = admin.get("/debug/memory", TOKEN);
      assertEquals(200, memory.statusCode(), memory.body());
      JsonObject doc = new JsonObject(memory.body());
      assertEquals(doc.getLong("rss_bytes"), doc.getLong("explained_total_bytes") + doc.getLong("unexplained_bytes"));
      JsonObject app = doc.getJsonObject("app_parts_bytes");
      assertEquals(64L * 1024 * 1024, app.getLong("capture_budget_limit"));
      assertEquals(0L, app.getLong("capture_budget_in_use"));
      admin.expect("passage_admin_auth_failures_total{reason=\"missing\"}", 1.0);
      admin.expect("passage_admin_auth_failures_total{reason=\"invalid\"}", 1.0);
    }
  }

  /** A client of one gateway's admin listener. */
  private static final class Admin {
    private final RunningGateway gw;

    Admin(RunningGateway gw) {
      this.gw = gw;
    }

    HttpResponse<String> get(String path, String token) throws Exception {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + path));
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      return gw.client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    Double valueOrNull(String series) throws Exception {
      for (String line : get("/metrics", null).body().split("\n")) {
        if (line.startsWith(series + " ")) {
          return Double.parseDouble(line.substring(series.length() + 1));
        }
      }
      return null;
    }

    double value(String series) throws Exception {
      Double v = valueOrNull(series);
      assertNotNull(v, series + " is exposed");
      return v;
    }

    void expect(String series, double expected) throws Exception {
      assertEquals(expected, value(series), series);
    }

    /** Waits up to 10 s for a series to satisfy {@code ok}; some meters follow the exchange's end. */
    void await(String series, DoublePredicate ok) throws Exception {
      long deadline = System.currentTimeMillis() + 10_000;
      Double v = valueOrNull(series);
      while ((v == null || !ok.test(v)) && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
        v = valueOrNull(series);
      }
      assertTrue(v != null && ok.test(v), series + " = " + v);
    }
  }
}
