package dev.passage.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminServerTest {

  @Test
  void healthAndMetricsAreServedOnTheAdminPortWithCountsOfKnownTraffic(@TempDir Path dir) throws Exception {
    try (TestUpstream up = TestUpstream.start("up");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            audit: { sinks: [ { type: file, path: "${AUDIT}" } ] }
            routes:
              - { name: api, match: { path_prefix: /api }, upstream: { targets: ["${UP}"] } }
            """, Map.of("UP", up.url(), "AUDIT", dir.resolve("a.jsonl").toString()))) {
      for (int i = 0; i < 7; i++) {
        assertEquals(200, gw.get("/api/x").statusCode());
      }
      for (int i = 0; i < 3; i++) {
        assertEquals(404, gw.get("/nope").statusCode());
      }
      String admin = "http://127.0.0.1:" + gw.gateway.adminPort();
      assertTrue(gw.gateway.adminPort() != gw.gateway.port());
      assertEquals(200, get(gw, admin + "/health/live").statusCode());
      HttpResponse<String> ready = get(gw, admin + "/health/ready");
      assertEquals(200, ready.statusCode(), ready.body());
      Thread.sleep(1200);
      String metrics = get(gw, admin + "/metrics").body();
      assertTrue(metrics.contains("passage_requests_total{method=\"GET\",route=\"api\",status_class=\"2xx\"} 7.0"), metrics);
      assertTrue(metrics.contains("passage_requests_total{method=\"GET\",route=\"none\",status_class=\"4xx\"} 3.0"), metrics);
      assertTrue(metrics.contains("passage_audit_records_written_total 10.0"), metrics);
      assertTrue(metrics.contains("passage_capture_budget_limit_bytes 6.7108864E7"), metrics);
      assertTrue(metrics.matches("(?s).*passage_process_resident_memory_bytes [1-9].*"), "RSS is reported");
      assertTrue(metrics.contains("jvm_memory_used_bytes"), "JVM memory by pool");
      assertEquals(404, get(gw, admin + "/api/x").statusCode(), "the admin port does not proxy");
    }
  }

  static HttpResponse<String> get(RunningGateway gw, String url) throws Exception {
    return gw.client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
