package dev.passage.gateway.adversity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RawResponse;
import dev.passage.gateway.support.RunningGateway;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under the block policy the audit queue bounds records waiting to be written, not exchanges
 * alive: long-lived streams, however many, never hold admission for anyone else.
 */
class AdmissionTest {

  @Test
  void moreLongLivedStreamsThanQueueSlotsDoNotStarveOtherRequests(@TempDir Path dir) throws Exception {
    try (SlowUpstream up = new SlowUpstream(50, 100);
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            routes:
              - name: r
                match: { path_prefix: / }
                upstream: { targets: ["${U}"] }
            audit:
              queue_records: 2
              on_queue_full: block
              admission_timeout: 2s
              sinks: [{ type: file, path: "${AUDIT}" }]
            """, Map.of("U", "http://127.0.0.1:" + up.port(), "AUDIT", dir.resolve("audit.jsonl").toString()))) {
      List<RawClient> streams = new ArrayList<>();
      try {
        for (int i = 0; i < 6; i++) {
          RawClient c = RawClient.connect(gw.gateway.port());
          c.send("GET /stream-" + i + " HTTP/1.1\r\nHost: h\r\n\r\n");
          streams.add(c);
        }
        Thread.sleep(300);
        // Six five-second downloads are in flight against a queue of two records.
        try (RawClient other = RawClient.connect(gw.gateway.port())) {
          RawResponse r = other.send("GET /short HTTP/1.1\r\nHost: h\r\n\r\n").read();
          assertEquals(200, r.status(), "admitted while the streams last");
        }
        assertEquals(200, java.net.http.HttpClient.newHttpClient().send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + gw.gateway.adminPort() + "/health/ready")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
      } finally {
        for (RawClient c : streams) {
          c.close();
        }
      }
    }
  }

  @Test
  void withASinkThatCannotWriteNewRequestsGet503AfterTheAdmissionTimeoutAndReadinessSaysWhy() throws Exception {
    try (SlowUpstream up = new SlowUpstream(1, 0);
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            routes:
              - name: r
                match: { path_prefix: / }
                upstream: { targets: ["${U}"] }
            audit:
              queue_records: 2
              on_queue_full: block
              admission_timeout: 500ms
              drain_timeout: 1s
              sinks: [{ type: file, path: /dev/full }]
            """, Map.of("U", "http://127.0.0.1:" + up.port()))) {
      // Every flush fails (ENOSPC) and is retried, so the writer thread stays in its retry loop and
      // later records stay queued, never dropped. A record is queued as its exchange ends, just
      // after the client has its answer, so two more fill the queue by the third or fourth request.
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        assertEquals(200, c.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n").read().status());
      }
      Thread.sleep(1500);
      int refusedAt = -1;
      long waited = 0;
      for (int i = 0; i < 5 && refusedAt < 0; i++) {
        long asked = System.nanoTime();
        try (RawClient c = RawClient.connect(gw.gateway.port())) {
          RawResponse r = c.send("GET /r-" + i + " HTTP/1.1\r\nHost: h\r\n\r\n").read();
          if (r.status() == 503) {
            refusedAt = i;
            waited = (System.nanoTime() - asked) / 1_000_000;
            assertEquals("close", r.header("connection"));
          } else {
            assertEquals(200, r.status(), r.toString());
          }
        }
        Thread.sleep(100);
      }
      org.junit.jupiter.api.Assertions.assertTrue(refusedAt == 2 || refusedAt == 3, "first 503 at request " + refusedAt);
      org.junit.jupiter.api.Assertions.assertTrue(waited >= 400 && waited < 3000, "waited " + waited + " ms");
      java.net.http.HttpResponse<String> ready = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              "http://127.0.0.1:" + gw.gateway.adminPort() + "/health/ready")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(503, ready.statusCode());
      org.junit.jupiter.api.Assertions.assertTrue(ready.body().contains("audit_queue"), ready.body());
      org.junit.jupiter.api.Assertions.assertTrue(ready.body().contains("saturated"), ready.body());
    }
  }
}
