package dev.passage.gateway.adversity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.gateway.support.AuditFile;
import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RawResponse;
import dev.passage.gateway.support.RunningGateway;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records say what happened: a client that leaves is a client_abort whether it leaves during the
 * upload or the download, never an upstream error; a hostile request id cannot break the gateway's
 * JSON; a graceful stop lets a transfer in flight finish and records it.
 */
class TruthfulRecordsTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void clientsLeavingAtAnyStageAreRecordedAsClientAbort(@TempDir Path dir) throws Exception {
    try (SlowUpstream up = new SlowUpstream(40, 50);
        RunningGateway gw = start(up, dir, "10s")) {
      List<String> ids = new ArrayList<>();
      // Leaves after the response head, mid-download.
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        c.send("GET /download HTTP/1.1\r\nHost: h\r\nX-Request-Id: leaves-mid-download\r\n\r\n");
        ids.add("leaves-mid-download");
        Thread.sleep(150);
      }
      // Leaves mid-upload, with a reset.
      Socket s = new Socket("127.0.0.1", gw.gateway.port());
      s.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: h\r\nX-Request-Id: leaves-mid-upload\r\n"
          + "Content-Length: 100000\r\n\r\n" + "x".repeat(1000)).getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      Thread.sleep(150);
      s.setSoLinger(true, 0);
      s.close();
      ids.add("leaves-mid-upload");
      for (String id : ids) {
        JsonNode rec = await(dir, id);
        assertEquals("client_abort", rec.path("outcome").asText(), id + ": " + rec);
      }
    }
  }

  @Test
  void anUpstreamThatDiesMidBodyIsAnUpstreamErrorNotAClientAbort(@TempDir Path dir) throws Exception {
    try (ChaosUpstream up = new ChaosUpstream();
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - name: r
                match: { path_prefix: / }
                upstream: { targets: ["${U}"] }
            audit:
              flush_interval: 50ms
              sinks: [{ type: file, path: "${AUDIT}" }]
            """, Map.of("U", up.url(), "AUDIT", dir.resolve("audit.jsonl").toString()));
        Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET /b/close-mid-body HTTP/1.1\r\nHost: h\r\nX-Request-Id: dies-mid-body\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      try {
        // The client reads patiently; the gateway ends the connection when the upstream breaks.
        while (s.getInputStream().read() >= 0) {
          // drain
        }
      } catch (java.io.IOException reset) {
        // a reset is how the gateway says the body is incomplete
      }
      JsonNode rec = await(dir, "dies-mid-body");
      assertEquals("upstream_error", rec.path("outcome").asText(), rec.toString());
    }
  }

  @Test
  void aRequestIdThatWouldBreakJsonIsReplaced(@TempDir Path dir) throws Exception {
    try (SlowUpstream up = new SlowUpstream(1, 0);
        RunningGateway gw = start(up, dir, "1s");
        RawClient c = RawClient.connect(gw.gateway.port())) {
      RawResponse r = c.send("GET /nowhere HTTP/1.1\r\nHost: h\r\nX-Request-Id: a\"b\\c\r\n\r\n").read();
      assertEquals(404, r.status());
      String id = r.header("x-request-id");
      assertNotEquals("a\"b\\c", id);
      assertTrue(id.matches("[0-9a-f]{32}"), id);
      assertEquals(id, JSON.readTree(r.bodyText()).path("request_id").asText(), "the body is valid JSON");
      assertEquals("no_route", await(dir, id).path("reason").asText());
    }
  }

  @Test
  void aClientChosenRequestIdTravelsButEveryRecordHasItsOwnId(@TempDir Path dir) throws Exception {
    try (SlowUpstream up = new SlowUpstream(1, 0);
        RunningGateway gw = start(up, dir, "1s")) {
      java.util.Set<String> recordIds = new java.util.HashSet<>();
      for (int i = 0; i < 2; i++) {
        try (RawClient c = RawClient.connect(gw.gateway.port())) {
          RawResponse r = c.send("GET /download HTTP/1.1\r\nHost: h\r\nX-Request-Id: same-id\r\n\r\n").read();
          assertEquals("same-id", r.header("x-request-id"), "the client's id travels back");
        }
      }
      Path file = dir.resolve("audit.jsonl");
      long end = System.currentTimeMillis() + 8000;
      while (recordIds.size() < 2 && System.currentTimeMillis() < end) {
        if (Files.exists(file)) {
          for (String line : AuditFile.completeLines(file)) {
            JsonNode rec = JSON.readTree(line);
            if ("same-id".equals(rec.path("request_id").asText())) {
              recordIds.add(rec.path("id").asText());
            }
          }
        }
        Thread.sleep(25);
      }
      assertEquals(2, recordIds.size(), "two records, two ids of the gateway's own: " + recordIds);
      assertTrue(recordIds.stream().allMatch(id -> id.matches("[0-9a-f]{32}")), recordIds.toString());
    }
  }

  @Test
  void theGatewaysOwnAnswersAreRecordedWithTheHeadersAndBodyTheClientGot(@TempDir Path dir) throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    try (RunningGateway gw = RunningGateway.start("""
        listen: 127.0.0.1:0
        routes:
          - name: gone
            match: { path_prefix: /gone }
            upstream: { targets: ["http://127.0.0.1:${P}"] }
        audit:
          flush_interval: 50ms
          sinks: [{ type: file, path: "${AUDIT}" }]
        """, Map.of("P", Integer.toString(closedPort), "AUDIT", dir.resolve("audit.jsonl").toString()))) {
      for (String path : List.of("/nowhere", "/gone/x")) {
        try (RawClient c = RawClient.connect(gw.gateway.port())) {
          RawResponse r = c.send("GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n").read();
          JsonNode response = await(dir, r.header("x-request-id")).path("response");
          assertEquals(r.status(), response.path("status").asInt(), path);
          assertEquals("application/json", response.path("headers").path("content-type").asText(), path);
          // JSON bodies are re-written by redaction, so compare them as JSON.
          assertEquals(JSON.readTree(r.bodyText()), JSON.readTree(response.path("body").path("content").asText()), path);
          assertEquals(r.body().length, response.path("body").path("bytes").asInt(), path);
        }
      }
    }
  }

  @Test
  void aGracefulStopLetsATransferInFlightFinishAndRecordsIt(@TempDir Path dir) throws Exception {
    try (SlowUpstream up = new SlowUpstream(20, 100)) {
      RunningGateway gw = start(up, dir, "10s");
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        c.send("GET /download HTTP/1.1\r\nHost: h\r\nX-Request-Id: in-flight-at-stop\r\n\r\n");
        Thread.sleep(300);
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> {
          try {
            gw.close();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        RawResponse r = c.read();
        assertEquals(200, r.status());
        assertEquals(20 * 1024, r.body().length, "the whole body, though the stop began after 300 ms of 2 s");
        stopping.get(20, TimeUnit.SECONDS);
      }
      JsonNode rec = await(dir, "in-flight-at-stop");
      assertEquals("ok", rec.path("outcome").asText(), rec.toString());
    }
  }

  static RunningGateway start(SlowUpstream up, Path dir, String grace) throws Exception {
    return RunningGateway.start("""
        listen: 127.0.0.1:0
        server: { shutdown_grace: "${GRACE}" }
        routes:
          - name: r
            match: { path_prefix: /download }
            upstream: { targets: ["${U}"] }
          - name: u
            match: { path_prefix: /upload }
            upstream: { targets: ["${U}"] }
        audit:
          flush_interval: 50ms
          sinks: [{ type: file, path: "${AUDIT}" }]
        """, Map.of("U", "http://127.0.0.1:" + up.port(), "AUDIT", dir.resolve("audit.jsonl").toString(),
        "GRACE", grace));
  }

  static JsonNode await(Path dir, String requestId) throws Exception {
    JsonNode rec = new AuditFile(dir.resolve("audit.jsonl")).awaitBy("request_id", requestId, 8000);
    if (rec == null) {
      throw new AssertionError("no record for " + requestId);
    }
    return rec;
  }

}
