package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a gateway process (a child JVM) under load, with a spool, then a restart on the
 * same spool: every record that was in the spool when the process died reaches the sink after the
 * replay. Under {@code delivery: sync} (the default with a spool) that is every request that got a
 * response; under {@code async} a record still in memory at the kill is lost, and how many that
 * were is printed, not asserted.
 */
class GatewayCrashTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void afterAKillNineEveryRecordInTheSpoolIsDeliveredByTheNextStart() throws Exception {
    crashAndRestart("async");
  }

  @Test
  void underSyncDeliveryEveryAnsweredRequestIsRecordedAfterAKillNine() throws Exception {
    Set<String> answeredNotRecorded = crashAndRestart("sync");
    assertEquals(Set.of(), answeredNotRecorded, "no client got the end of a response whose record was not spooled");
  }

  /** Returns the requests that were answered 200 and have no record after the restart. */
  private Set<String> crashAndRestart(String delivery) throws Exception {
    Path file = dir.resolve("audit.jsonl");
    Path spool = dir.resolve("spool");
    try (RecordingUpstream up = RecordingUpstream.start()) {
      String yaml0 = """
          listen: 127.0.0.1:${PORT}
          admin: { listen: 127.0.0.1:0 }
          routes:
            - { name: r, match: { path_prefix: / }, upstream: { targets: ["${UP}"] } }
          audit:
            delivery: ${DELIVERY}
            spool: { dir: "${SPOOL}" }
            sinks: [{ type: file, path: "${FILE}" }]
          """;
      int port = freePort();
      Path config = dir.resolve("passage.yaml");
      String yaml = yaml0.replace("${DELIVERY}", delivery);
      Files.writeString(config, yaml.replace("${PORT}", String.valueOf(port)).replace("${UP}", up.url())
          .replace("${SPOOL}", spool.toString()).replace("${FILE}", file.toString()));
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
          "dev.passage.gateway.cli.PassageCommand", "run", "--config", config.toString())
          .redirectOutput(dir.resolve("stdout.log").toFile()).redirectError(dir.resolve("stderr.log").toFile()).start();

      Set<String> answered = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> load = new ArrayList<>();
      try {
        awaitListening(port, child);
        for (int t = 0; t < 4; t++) {
          int thread = t;
          Thread th = new Thread(() -> requests(port, "k" + thread + "-", answered, stop), "load-" + t);
          th.start();
          load.add(th);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (answered.size() < 1500 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        child.destroyForcibly(); // SIGKILL mid-load
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
      } finally {
        stop.set(true);
        for (Thread th : load) {
          th.join(10_000);
        }
        child.destroyForcibly();
      }
      assertEquals(137, child.exitValue(), "killed by SIGKILL");
      Set<String> inSpool = spooledRequestIds(spool);
      int inFileBefore = Files.exists(file) ? Files.readAllLines(file).size() : 0;
      assertTrue(inSpool.size() >= 1000, "records were spooled before the kill: " + inSpool.size());

      try (RunningGateway gw = RunningGateway.start(yaml.replace("${PORT}", "0"),
          Map.of("UP", up.url(), "SPOOL", spool.toString(), "FILE", file.toString()))) {
        String m = KafkaSinkTest.metrics(gw);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (KafkaSinkTest.metric(m, "passage_audit_spool_unacknowledged_bytes") > 0 && System.nanoTime() < deadline) {
          Thread.sleep(50);
          m = KafkaSinkTest.metrics(gw);
        }
        assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_spool_unacknowledged_bytes"), m);
        long replayed = KafkaSinkTest.metric(m, "passage_audit_spool_replayed_records_total");
        Set<String> inFile = new HashSet<>();
        List<String> lines = Files.readAllLines(file);
        for (String line : lines) {
          inFile.add(JSON.readTree(line).get("request_id").asText());
        }
        Set<String> missing = new HashSet<>(inSpool);
        missing.removeAll(inFile);
        Set<String> answeredNotRecorded = new HashSet<>(answered);
        answeredNotRecorded.removeAll(inFile);
        System.out.printf("gateway crash test: %d answered, %d in the spool at the kill, %d lines in the file before "
            + "the restart, %d after (%d replayed, %d duplicates); answered but never spooled (%s): %d%n",
            answered.size(), inSpool.size(), inFileBefore, lines.size(), replayed, lines.size() - inFile.size(),
            delivery, answeredNotRecorded.size());
        assertEquals(Set.of(), missing, "every record in the spool at the kill reached the sink");
        assertTrue(replayed > 0, "the file sink had not acknowledged the last second of records: they were replayed");
        // The replay re-links from the head stored with the cursor: the chain survives the kill intact.
        AuditIntegrityTest.Verdict verdict = AuditIntegrityTest.verify(List.of(file));
        System.out.println("gateway crash test: verify says " + verdict.output().strip());
        assertEquals(0, verdict.exit(), verdict.output());
        AuditIntegrityTest.Verdict python = AuditIntegrityTest.python(List.of(file));
        assertEquals(0, python.exit(), python.output());
        return answeredNotRecorded;
      }
    }
  }

  /**
   * The request ids of the records in the spool's segment files, read straight from the frames
   * (length, CRC32C of time and line, append time, line): what the dead process had spooled.
   */
  static Set<String> spooledRequestIds(Path spool) throws Exception {
    Set<String> ids = new HashSet<>();
    List<Path> segments;
    try (Stream<Path> s = Files.list(spool)) {
      segments = s.filter(p -> p.toString().endsWith(".spool")).sorted().toList();
    }
    for (Path segment : segments) {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment));
      while (b.remaining() >= 16) {
        int length = b.getInt();
        int crc = b.getInt();
        long millis = b.getLong();
        if (length < 1 || length > b.remaining()) {
          break; // a torn tail
        }
        byte[] line = new byte[length];
        b.get(line);
        CRC32C check = new CRC32C();
        check.update(ByteBuffer.allocate(8).putLong(0, millis));
        check.update(line);
        if ((int) check.getValue() != crc) {
          break;
        }
        ids.add(JSON.readTree(line).get("request_id").asText());
      }
    }
    return ids;
  }

  static void requests(int port, String prefix, Set<String> answered, AtomicBoolean stop) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    for (int i = 0; !stop.get(); i++) {
      String id = prefix + i;
      try {
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x/" + i))
            .header("X-Request-Id", id).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          answered.add(id);
        }
      } catch (Exception e) {
        return; // the gateway is gone
      }
    }
  }

  static void awaitListening(int port, Process child) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      try {
        client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/warmup")).build(),
            HttpResponse.BodyHandlers.discarding());
        return;
      } catch (java.io.IOException notYet) {
        assertTrue(System.currentTimeMillis() < deadline && child.isAlive(), "the gateway did not start");
        Thread.sleep(100);
      }
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
