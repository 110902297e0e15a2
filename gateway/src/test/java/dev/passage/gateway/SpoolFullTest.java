package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool fills because its only sink cannot store anything (its file is made immutable under
 * it, so every flush fails), and frees when the sink recovers. With {@code on_full: fail_closed}
 * new requests get a 503 JSON refusal and readiness is 503 until then, and every answered request
 * has its record in the end; with {@code fail_open} requests go on and each lost record is counted.
 */
class SpoolFullTest {

  static final ObjectMapper JSON = new ObjectMapper();
  /** About 16 KiB of JSON per request, kept in the record: a 1 MiB spool holds some 60 of them. */
  static final String BODY = "{\"pad\":\"" + "x".repeat(16 * 1024) + "\"}";

  @TempDir Path dir;

  static RunningGateway gateway(Path dir, String onFull, RecordingUpstream up) throws Exception {
    return RunningGateway.start("""
        listen: 127.0.0.1:0
        admin: { listen: 127.0.0.1:0 }
        routes:
          - name: r
            match: { path_prefix: / }
            upstream: { targets: ["${U}"] }
        audit:
          flush_interval: 100ms
          admission_timeout: 1s
          spool: { dir: "${SPOOL}", max_bytes: 1048576, on_full: "${ON_FULL}" }
          sinks: [{ type: file, path: "${AUDIT}" }]
        """, Map.of("U", up.url(), "SPOOL", dir.resolve("spool").toString(), "AUDIT", dir.resolve("audit.jsonl").toString(),
        "ON_FULL", onFull));
  }

  static HttpResponse<String> post(RunningGateway gw, String id) throws Exception {
    return gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/p/" + id))).header("X-Request-Id", id)
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> ready(RunningGateway gw) throws Exception {
    return gw.client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + "/health/ready"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Every flush of the file sink fails while its file is immutable (root ignores permission bits, not this). */
  static void immutable(Path file, boolean on) throws Exception {
    Process p = new ProcessBuilder("chattr", on ? "+i" : "-i", file.toString()).inheritIO().start();
    assertEquals(0, p.waitFor(), "chattr");
  }

  static Set<String> requestIds(Path file) throws Exception {
    Set<String> ids = new HashSet<>();
    for (String line : Files.readAllLines(file)) {
      ids.add(JSON.readTree(line).get("request_id").asText());
    }
    return ids;
  }

  static void assumeChattr() {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root for chattr +i");
  }

  @Test
  void failClosedAnswers503AndIsNotReadyWhileTheSpoolIsFullThenRecovers() throws Exception {
    assumeChattr();
    Path audit = dir.resolve("audit.jsonl");
    try (RecordingUpstream up = RecordingUpstream.start(); RunningGateway gw = gateway(dir, "fail_closed", up)) {
      assertEquals(200, post(gw, "before").statusCode());
      KafkaSinkTest.awaitMetric(gw, "passage_audit_records_written_total", 1);
      immutable(audit, true);
      Set<String> answered = new HashSet<>();
      Set<String> cut = new HashSet<>();
      HttpResponse<String> refused = null;
      try {
        for (int i = 0; i < 400 && refused == null; i++) {
          HttpResponse<String> r;
          try {
            r = post(gw, "fill-" + i);
          } catch (java.io.IOException closed) {
            // delivery: sync. The response whose record found the spool full waited for it
            // (admission_timeout), then its connection closed without the response's end.
            cut.add("fill-" + i);
            continue;
          }
          if (r.statusCode() == 503) {
            refused = r;
          } else {
            assertEquals(200, r.statusCode(), r.body());
            answered.add("fill-" + i);
          }
        }
        assertTrue(refused != null, "the spool filled up: " + answered.size() + " answered");
        assertTrue(!cut.isEmpty(), "under sync, the exchange that did not fit never completed for its client");
        assertTrue(answered.size() > 30, "a 1 MiB spool held about 60 records of 16 KiB before refusing: " + answered.size());
        JsonNode error = JSON.readTree(refused.body());
        assertEquals("audit trail saturated; retry later", error.get("error").asText(), refused.body());
        HttpResponse<String> notReady = ready(gw);
        assertEquals(503, notReady.statusCode(), notReady.body());
        assertTrue(notReady.body().contains("audit_spool") && notReady.body().contains("refusing new exchanges"),
            notReady.body());
        String m = KafkaSinkTest.metrics(gw);
        assertTrue(KafkaSinkTest.metric(m, "passage_audit_spool_refused_exchanges_total") >= 1, m);
        assertTrue(KafkaSinkTest.metric(m, "passage_audit_spool_bytes") > 900_000, m);
        assertEquals(1048576, KafkaSinkTest.metric(m, "passage_audit_spool_limit_bytes"), m);
        assertTrue(KafkaSinkTest.metric(m, "passage_audit_spool_segments") >= 2, m);
        assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_spool_lost_records_total"), m);
        assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_records_dropped_total"), m);
        assertEquals(503, post(gw, "still-refused").statusCode(), "refused at once while full");
      } finally {
        immutable(audit, false);
      }

      // The sink stores again: the spool drains, readiness and admission come back.
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (ready(gw).statusCode() != 200 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(200, ready(gw).statusCode());
      assertEquals(200, post(gw, "after").statusCode());
      answered.add("before");
      answered.add("after");
      KafkaSinkTest.awaitMetric(gw, "passage_audit_records_written_total", answered.size() + cut.size());
      Set<String> recorded = requestIds(audit);
      assertTrue(recorded.containsAll(answered), "every answered request has its record");
      assertTrue(recorded.containsAll(cut), "the records the full spool held back were spooled once it drained");
      assertTrue(!recorded.contains("still-refused"), "a request refused for a full spool has no record");
      String m = KafkaSinkTest.awaitMetric(gw, "passage_audit_spool_oldest_unacknowledged_age_seconds", 0);
      assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_records_dropped_total"), m);
    }
  }

  @Test
  void failOpenKeepsAnsweringAndCountsEveryLostRecord() throws Exception {
    assumeChattr();
    Path audit = dir.resolve("audit.jsonl");
    try (RecordingUpstream up = RecordingUpstream.start(); RunningGateway gw = gateway(dir, "fail_open", up)) {
      assertEquals(200, post(gw, "before").statusCode());
      KafkaSinkTest.awaitMetric(gw, "passage_audit_records_written_total", 1);
      immutable(audit, true);
      int n = 150;
      try {
        for (int i = 0; i < n; i++) {
          assertEquals(200, post(gw, "open-" + i).statusCode(), "fail_open never refuses");
        }
        assertEquals(200, ready(gw).statusCode(), "and stays ready");
        long deadline = System.nanoTime() + 10_000_000_000L;
        String m = KafkaSinkTest.metrics(gw);
        while (KafkaSinkTest.metric(m, "passage_audit_spool_records_total")
            + KafkaSinkTest.metric(m, "passage_audit_spool_lost_records_total") < n + 1 && System.nanoTime() < deadline) {
          Thread.sleep(50);
          m = KafkaSinkTest.metrics(gw);
        }
        long lost = KafkaSinkTest.metric(m, "passage_audit_spool_lost_records_total");
        long spooled = KafkaSinkTest.metric(m, "passage_audit_spool_records_total");
        assertEquals(n + 1, lost + spooled, m);
        assertTrue(lost > 50, "most of 150 records of 16 KiB did not fit 1 MiB: " + m);
        assertEquals(lost, KafkaSinkTest.metric(m, "passage_audit_records_dropped_total"), m);
        assertTrue(ready(gw).body().contains("losing records"), ready(gw).body());
      } finally {
        immutable(audit, false);
      }
      long deadline = System.nanoTime() + 20_000_000_000L;
      String m = KafkaSinkTest.metrics(gw);
      while (KafkaSinkTest.metric(m, "passage_audit_records_written_total") < KafkaSinkTest.metric(m, "passage_audit_spool_records_total")
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
        m = KafkaSinkTest.metrics(gw);
      }
      assertEquals(KafkaSinkTest.metric(m, "passage_audit_spool_records_total"),
          KafkaSinkTest.metric(m, "passage_audit_records_written_total"), "what was spooled is delivered: " + m);
      List<String> lines = Files.readAllLines(audit);
      assertEquals(KafkaSinkTest.metric(m, "passage_audit_spool_records_total"), lines.size());
    }
  }
}
