package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.passage.audit.AuditSpool;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.io.IOException;
import java.io.OutputStream;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The spool's disk runs out of space (a real {@code ENOSPC}: the spool lives on a 4 MiB tmpfs that
 * the test fills with a ballast file), long before {@code max_bytes} is reached. The gateway treats
 * it exactly as a full spool: under {@code fail_closed} audited requests get the 503 JSON answer and
 * readiness is 503; under {@code fail_open} requests go on and every lost record is counted. Either
 * way it is logged at ERROR once, not per request or per retry, and everything flows again once the
 * ballast is deleted. Mounting needs root (CI runs as root); elsewhere the tests are skipped.
 */
class SpoolDiskFullTest {

  @TempDir Path dir;
  private Path disk;
  private Path ballast;
  private Logger spoolLogger;
  private ListAppender<ILoggingEvent> log;
  private Level level;

  @BeforeEach
  void mountSmallDisk() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a tmpfs");
    disk = Files.createDirectory(dir.resolve("disk"));
    int rc = run("mount", "-t", "tmpfs", "-o", "size=4m", "passage-test", disk.toString());
    Assumptions.assumeTrue(rc == 0, "mount -t tmpfs failed (root without CAP_SYS_ADMIN, e.g. an unprivileged container)");
    ballast = disk.resolve("ballast");
    spoolLogger = (Logger) LoggerFactory.getLogger(AuditSpool.class);
    level = spoolLogger.getLevel();
    spoolLogger.setLevel(Level.INFO);
    log = new ListAppender<>();
    log.start();
    spoolLogger.addAppender(log);
  }

  @AfterEach
  void unmount() throws Exception {
    if (log != null) {
      spoolLogger.detachAppender(log);
      spoolLogger.setLevel(level);
    }
    if (disk != null) {
      run("umount", "-l", disk.toString());
    }
  }

  RunningGateway gateway(String onFull, RecordingUpstream up) throws Exception {
    // max_bytes far above the disk's 4 MiB: only the disk can refuse.
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
          spool: { dir: "${SPOOL}", max_bytes: 268435456, on_full: "${ON_FULL}" }
          sinks: [{ type: file, path: "${AUDIT}" }]
        """, Map.of("U", up.url(), "SPOOL", disk.resolve("spool").toString(), "AUDIT", dir.resolve("audit.jsonl").toString(),
        "ON_FULL", onFull));
  }

  @Test
  void failClosedRefusesWithA503AndIsNotReadyWhileTheDiskIsFullThenRecovers() throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    try (RecordingUpstream up = RecordingUpstream.start(); RunningGateway gw = gateway("fail_closed", up)) {
      assertEquals(200, SpoolFullTest.post(gw, "before").statusCode());
      KafkaSinkTest.awaitMetric(gw, "passage_audit_records_written_total", 1);
      fillDisk();
      try {
        whileTheDiskIsFull(gw, audit);
      } finally {
        Files.deleteIfExists(ballast); // also when an assertion failed: close() would wait for the held records
      }
    }
  }

  /** Fail_closed while the tmpfs is full: a 503 for new requests, readiness 503, nothing lost; then recovery. */
  private void whileTheDiskIsFull(RunningGateway gw, Path audit) throws Exception {
    Set<String> answered = new HashSet<>();
    Set<String> cut = new HashSet<>();
    HttpResponse<String> refused = null;
    for (int i = 0; i < 50 && refused == null; i++) {
      try {
        HttpResponse<String> r = SpoolFullTest.post(gw, "fill-" + i);
        if (r.statusCode() == 503) {
          refused = r;
        } else {
          assertEquals(200, r.statusCode(), r.body());
          answered.add("fill-" + i);
        }
      } catch (IOException closed) {
        // delivery: sync. The response whose record could not be spooled waited admission_timeout,
        // then its connection closed without the response's end; the record waits in memory.
        cut.add("fill-" + i);
      }
    }
    assertTrue(refused != null, "a full disk made the spool refuse: " + answered.size() + " answered");
    assertTrue(!cut.isEmpty(), "the exchange whose record met the full disk never completed for its client");
    JsonNode error = SpoolFullTest.JSON.readTree(refused.body());
    assertEquals("audit trail saturated; retry later", error.get("error").asText(), refused.body());
    assertEquals(503, error.get("status").asInt(), refused.body());
    for (int i = 0; i < 20; i++) {
      // GETs: a refused POST's connection closes before its body is read, which the JDK client reports as an error.
      HttpResponse<String> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/p/refused-" + i)))
          .header("X-Request-Id", "refused-" + i).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(503, r.statusCode(), "refused at once while the disk is full");
    }
    HttpResponse<String> notReady = SpoolFullTest.ready(gw);
    assertEquals(503, notReady.statusCode(), notReady.body());
    assertTrue(notReady.body().contains("refusing new exchanges") && notReady.body().contains("No space left on device"),
        notReady.body());
    String m = KafkaSinkTest.metrics(gw);
    assertTrue(KafkaSinkTest.metric(m, "passage_audit_spool_errors_total") >= 1, m);
    assertTrue(KafkaSinkTest.metric(m, "passage_audit_spool_refused_exchanges_total") >= 21, m);
    assertTrue(KafkaSinkTest.metric(m, "passage_audit_spool_bytes") < 4 << 20, "far below max_bytes: " + m);
    assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_spool_lost_records_total"), m);
    assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_records_dropped_total"), m);
    assertEquals(1, count("treated as full"), "logged once, not per request or retry:\n" + lines());

    Files.delete(ballast);
    awaitReady(gw);
    assertEquals(200, SpoolFullTest.post(gw, "after").statusCode());
    answered.add("before");
    answered.add("after");
    KafkaSinkTest.awaitMetric(gw, "passage_audit_records_written_total", answered.size() + cut.size());
    Set<String> recorded = SpoolFullTest.requestIds(audit);
    assertTrue(recorded.containsAll(answered), "every answered request has its record");
    assertTrue(recorded.containsAll(cut), "the records the full disk held back were spooled once it had room");
    assertTrue(recorded.stream().noneMatch(id -> id.startsWith("refused-")), "a refused request has no record");
    assertEquals(1, count("takes records again after"), "the recovery is logged:\n" + lines());
    assertEquals(1, count("treated as full"), lines());
  }

  @Test
  void failOpenKeepsAnsweringCountsEveryLostRecordAndRecovers() throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    try (RecordingUpstream up = RecordingUpstream.start(); RunningGateway gw = gateway("fail_open", up)) {
      assertEquals(200, SpoolFullTest.post(gw, "before").statusCode());
      KafkaSinkTest.awaitMetric(gw, "passage_audit_records_written_total", 1);
      fillDisk();
      int n = 60;
      for (int i = 0; i < n; i++) {
        assertEquals(200, SpoolFullTest.post(gw, "open-" + i).statusCode(), "fail_open never refuses");
      }
      String m = awaitAccounted(gw, n + 1);
      long lost = KafkaSinkTest.metric(m, "passage_audit_spool_lost_records_total");
      assertTrue(lost >= n - 1, "nearly every record met the full disk (one may fit a page's rest): " + m);
      assertEquals(lost, KafkaSinkTest.metric(m, "passage_audit_records_dropped_total"), m);
      assertTrue(KafkaSinkTest.metric(m, "passage_audit_spool_errors_total") >= 1, m);
      HttpResponse<String> ready = SpoolFullTest.ready(gw);
      assertEquals(200, ready.statusCode(), "fail_open stays ready: " + ready.body());
      assertTrue(ready.body().contains("losing records") && ready.body().contains("No space left on device"), ready.body());
      assertEquals(1, count("treated as full"), "the refusal is logged once:\n" + lines());
      assertEquals(1, count("audit records lost"), "losses are logged at most once per 10 s:\n" + lines());

      Files.delete(ballast);
      for (int i = 0; i < 5; i++) {
        assertEquals(200, SpoolFullTest.post(gw, "after-" + i).statusCode());
      }
      m = awaitAccounted(gw, n + 6);
      assertEquals(lost, KafkaSinkTest.metric(m, "passage_audit_spool_lost_records_total"), "nothing lost once the disk has room");
      long spooled = KafkaSinkTest.metric(m, "passage_audit_spool_records_total");
      m = KafkaSinkTest.awaitMetric(gw, "passage_audit_records_written_total", spooled);
      Set<String> recorded = SpoolFullTest.requestIds(audit);
      for (int i = 0; i < 5; i++) {
        assertTrue(recorded.contains("after-" + i), "recovered: " + recorded);
      }
      assertEquals(spooled, Files.readAllLines(audit).size(), "what was spooled is delivered: " + m);
      assertTrue(SpoolFullTest.ready(gw).body().contains("bytes in"), "the detail no longer says losing records");
      assertEquals(1, count("takes records again after"), lines());
    }
  }

  /** Fills the tmpfs to its last page: every later write that needs a page fails with ENOSPC. */
  private void fillDisk() throws IOException {
    byte[] page = new byte[4096];
    try (OutputStream out = Files.newOutputStream(ballast)) {
      while (true) {
        out.write(page);
        out.flush();
      }
    } catch (IOException full) {
      assertTrue(String.valueOf(full.getMessage()).contains("No space left on device"), full.toString());
    }
  }

  /** The scrape once every one of {@code records} records is either spooled or counted lost. */
  private static String awaitAccounted(RunningGateway gw, long records) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    String m = KafkaSinkTest.metrics(gw);
    while (KafkaSinkTest.metric(m, "passage_audit_spool_records_total")
        + KafkaSinkTest.metric(m, "passage_audit_spool_lost_records_total") < records && System.nanoTime() < deadline) {
      Thread.sleep(50);
      m = KafkaSinkTest.metrics(gw);
    }
    assertEquals(records, KafkaSinkTest.metric(m, "passage_audit_spool_records_total")
        + KafkaSinkTest.metric(m, "passage_audit_spool_lost_records_total"), m);
    return m;
  }

  private static void awaitReady(RunningGateway gw) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (SpoolFullTest.ready(gw).statusCode() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    HttpResponse<String> ready = SpoolFullTest.ready(gw);
    assertEquals(200, ready.statusCode(), ready.body());
  }

  private long count(String text) {
    return events().stream().filter(e -> e.getFormattedMessage().contains(text)).count();
  }

  private String lines() {
    return String.join("\n", events().stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList());
  }

  private List<ILoggingEvent> events() {
    synchronized (log) { // the appender's own lock: the spool's threads append meanwhile
      return List.copyOf(log.list);
    }
  }

  private static int run(String... command) throws Exception {
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }
}
