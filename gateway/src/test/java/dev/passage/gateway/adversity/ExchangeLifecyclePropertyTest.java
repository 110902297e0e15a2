package dev.passage.gateway.adversity;

import dev.passage.gateway.support.AuditFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.gateway.support.LeakCheckExtension;
import dev.passage.gateway.support.RunningGateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random interleavings of client and upstream misbehaviour over many exchanges: whatever happens,
 * every exchange gets exactly one record, and the capture budget, the audit queue and the
 * upstream requests in flight all return to zero. Seeded: {@code -Dpassage.chaos.seed=S},
 * {@code -Dpassage.chaos.exchanges=N}.
 */
@ExtendWith(LeakCheckExtension.class)
class ExchangeLifecyclePropertyTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String[] CLIENT = {"complete", "complete", "abort-after-head", "abort-mid-upload", "abort-mid-response"};

  @Test
  void everyExchangeHasOneRecordAndEveryBoundReturnsToZero(@TempDir Path dir) throws Exception {
    long seed = Long.getLong("passage.chaos.seed", 0xC4A05L);
    int exchanges = Integer.getInteger("passage.chaos.exchanges", 300);
    System.out.println("ExchangeLifecyclePropertyTest: seed=" + seed + " exchanges=" + exchanges);
    try (ChaosUpstream up = new ChaosUpstream();
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - name: chaos
                match: { path_prefix: / }
                upstream: { targets: ["${U}"], response_timeout: 500ms, max_connections: 8 }
            audit:
              budget_bytes: 1048576
              queue_records: 50
              flush_interval: 50ms
              sinks: [{ type: file, path: "${AUDIT}" }]
            """, Map.of("U", "http://127.0.0.1:" + up.port(), "AUDIT", dir.resolve("audit.jsonl").toString()))) {
      Random random = new Random(seed);
      String[] behaviours = System.getProperty("passage.chaos.behaviours", String.join(",", ChaosUpstream.BEHAVIOURS)).split(",");
      String[] clients = System.getProperty("passage.chaos.clients", String.join(",", CLIENT)).split(",");
      List<String[]> plan = new ArrayList<>();
      for (int i = 0; i < exchanges; i++) {
        plan.add(new String[] {"x" + i, behaviours[random.nextInt(behaviours.length)],
            clients[random.nextInt(clients.length)], random.nextBoolean() ? "POST" : "GET"});
      }
      Set<String> sent = ConcurrentHashMap.newKeySet();
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<?>> done = new ArrayList<>();
      for (String[] step : plan) {
        done.add(pool.submit(() -> {
          run(gw.gateway.port(), step);
          sent.add(step[0]);
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      Map<String, Integer> records = awaitRecords(dir.resolve("audit.jsonl"), sent, 20_000);
      Map<String, Integer> wrong = new TreeMap<>();
      for (String id : sent) {
        int n = records.getOrDefault(id, 0);
        if (n != 1) {
          wrong.put(id, n);
        }
      }
      Map<String, Integer> outcomes = new TreeMap<>();
      for (String line : AuditFile.completeLines(dir.resolve("audit.jsonl"))) {
        JsonNode rec = JSON.readTree(line);
        outcomes.merge(rec.path("request").path("method").asText() + " " + rec.path("request").path("uri").asText() + " " + rec.path("outcome").asText() + "/" + rec.path("error").asText() + "/"
            + rec.path("response").path("status").asText(), 1, Integer::sum);
      }
      System.out.println("ExchangeLifecyclePropertyTest: outcomes " + outcomes);
      assertTrue(wrong.isEmpty(), "records per exchange should be exactly 1; differing (id=count, plan by index): "
          + wrong + " seed " + seed);
      assertTrue(eventually(() -> gw.gateway.captureBudget().inUse() == 0, 5000),
          "capture budget in use: " + gw.gateway.captureBudget().inUse());
      assertTrue(eventually(() -> gw.gateway.auditPipeline().slotsInUse() == 0, 5000),
          "audit slots in use: " + gw.gateway.auditPipeline().slotsInUse());
      assertEquals(0, gw.gateway.auditPipeline().dropped(), "no record dropped");
    }
  }

  /** One exchange as the plan says; always sends a whole request head, so it is an exchange. */
  static void run(int port, String[] step) throws IOException {
    String id = step[0];
    String behaviour = step[1];
    String client = step[2];
    boolean post = step[3].equals("POST");
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      String body = "{\"n\":\"" + "x".repeat(2000) + "\"}";
      String head = (post ? "POST" : "GET") + " /b/" + behaviour + " HTTP/1.1\r\nHost: h\r\nX-Request-Id: " + id + "\r\n"
          + (post ? "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n" : "")
          + "Connection: close\r\n\r\n";
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      if (client.equals("abort-after-head")) {
        s.setSoLinger(true, 0);
        return;
      }
      if (post) {
        if (client.equals("abort-mid-upload")) {
          out.write(body.substring(0, 500).getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          s.setSoLinger(true, 0);
          return;
        }
        out.write(body.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      try {
        if (client.equals("abort-mid-response")) {
          in.read(buf, 0, 10);
          s.setSoLinger(true, 0);
          return;
        }
        while (in.read(buf) >= 0) {
          // read to the close (Connection: close)
        }
      } catch (IOException reset) {
        // the gateway closed or reset: also an outcome
      }
    }
  }

  static Map<String, Integer> awaitRecords(Path file, Set<String> ids, long millis) throws Exception {
    long end = System.currentTimeMillis() + millis;
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    while (System.currentTimeMillis() < end) {
      counts.clear();
      if (Files.exists(file)) {
        for (String line : AuditFile.completeLines(file)) {
          JsonNode rec = JSON.readTree(line);
          counts.merge(rec.path("request_id").asText(), 1, Integer::sum);
        }
      }
      if (ids.stream().allMatch(counts::containsKey)) {
        Thread.sleep(300); // a duplicate would come right after
        return awaitOnce(file);
      }
      Thread.sleep(100);
    }
    return counts;
  }

  private static Map<String, Integer> awaitOnce(Path file) throws IOException {
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    for (String line : AuditFile.completeLines(file)) {
      counts.merge(JSON.readTree(line).path("request_id").asText(), 1, Integer::sum);
    }
    return counts;
  }

  static boolean eventually(java.util.function.BooleanSupplier condition, long millis) throws InterruptedException {
    long end = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(25);
    }
    return condition.getAsBoolean();
  }
}
