package dev.passage.gateway;

import dev.passage.gateway.support.AuditFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.gateway.support.PatternBytes;
import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every exchange through the gateway becomes one audit record; bodies are kept only as policy allows. */
class AuditTrailTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static Vertx vertx;
  static HttpServer bodies;
  static byte[] gzipJson;
  static byte[] gzipBomb;
  static final byte[] MIB_JSON = mibOfJson();

  @BeforeAll
  static void startBodies() throws Exception {
    gzipJson = gzip(("{\"items\":[" + "{\"name\":\"x\",\"token\":\"t0ps3cret\"},".repeat(50) + "{}]}").getBytes(StandardCharsets.UTF_8));
    gzipBomb = bomb();
    vertx = Vertx.vertx();
    bodies = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/gzip-json":
          req.response().putHeader("content-type", "application/json").putHeader("content-encoding", "gzip").end(Buffer.buffer(gzipJson));
          break;
        case "/bomb":
          req.response().putHeader("content-type", "application/json").putHeader("content-encoding", "gzip").end(Buffer.buffer(gzipBomb));
          break;
        case "/mib-json":
          req.response().putHeader("content-type", "application/json").end(Buffer.buffer(MIB_JSON));
          break;
        default:
          req.bodyHandler(body -> req.response().putHeader("content-type", "application/json")
              .putHeader("set-cookie", "session=abc").end("{\"user\":\"ann\",\"access_token\":\"xyz\",\"n\":1}"));
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String bodiesUrl() {
    return "http://127.0.0.1:" + bodies.actualPort();
  }

  static RunningGateway gateway(Path audit, String extraAudit, String routeAudit, String target) throws Exception {
    return RunningGateway.start("""
        listen: 127.0.0.1:0
        audit:
          sinks: [ { type: file, path: "${AUDIT}" } ]
        """ + extraAudit + """
        routes:
          - name: app
            match: { path_prefix: / }
            upstream: { targets: ["${T}"] }
        """ + routeAudit, Map.of("AUDIT", audit.toString(), "T", target));
  }

  static List<JsonNode> records(Path file, int expected) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    List<JsonNode> out = new ArrayList<>();
    while (System.currentTimeMillis() < deadline) {
      out.clear();
      if (Files.exists(file)) {
        for (String line : AuditFile.completeLines(file)) {
          out.add(JSON.readTree(line));
        }
      }
      if (out.size() >= expected) {
        return out;
      }
      Thread.sleep(50);
    }
    return out;
  }

  @Test
  void aJsonPostAndItsResponseAreRecordedRedactedWithTheDigestsOfTheWireBytes(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    byte[] sent = "{\"user\":\"ann\",\"password\":\"hunter2\",\"nested\":{\"secret\":[1,2]}}".getBytes(StandardCharsets.UTF_8);
    String received;
    try (RunningGateway gw = gateway(audit, "", "", bodiesUrl())) {
      HttpResponse<String> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/login?token=abc&x=1")))
          .header("content-type", "application/json").header("authorization", "Bearer s3cr3t")
          .POST(HttpRequest.BodyPublishers.ofByteArray(sent)).build(), HttpResponse.BodyHandlers.ofString());
      received = r.body();
    }
    JsonNode rec = records(audit, 1).get(0);
    assertEquals("app", rec.path("route").asText());
    assertEquals("ok", rec.path("outcome").asText());
    assertEquals("POST", rec.path("request").path("method").asText());
    assertEquals(200, rec.path("response").path("status").asInt());
    assertEquals("[redacted]", first(rec.path("request").path("headers").path("authorization")));
    assertEquals("[redacted]", first(rec.path("response").path("headers").path("set-cookie")));
    JsonNode req = rec.path("request").path("body");
    assertEquals(sent.length, req.path("bytes").asLong());
    assertEquals(sha256(sent), req.path("sha256").asText());
    assertEquals("utf8", req.path("encoding").asText());
    assertTrue(req.path("content").asText().contains("\"password\":\"[redacted]\""), req.toString());
    assertTrue(req.path("content").asText().contains("\"secret\":\"[redacted]\""), req.toString());
    assertFalse(req.path("content").asText().contains("hunter2"));
    JsonNode res = rec.path("response").path("body");
    assertEquals(sha256(received.getBytes(StandardCharsets.UTF_8)), res.path("sha256").asText());
    assertTrue(res.path("content").asText().contains("\"access_token\":\"[redacted]\""), res.toString());
    assertTrue(rec.path("upstream").path("target").asText().startsWith("http://127.0.0.1:"));
    assertTrue(rec.path("upstream").path("ttfb_ms").isNumber());
  }

  @Test
  void aGibDownloadIsForwardedWhileItsRecordKeepsOnlySizeAndDigest(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    long gib = 1L << 30;
    try (TestUpstream up = TestUpstream.start("files"); RunningGateway gw = gateway(audit, "", "", up.url())) {
      HttpResponse<InputStream> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/bytes?n=" + gib))).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      MessageDigest md = PatternBytes.sha256();
      long n = 0;
      byte[] buf = new byte[1 << 16];
      try (InputStream in = r.body()) {
        int k;
        while ((k = in.read(buf)) > 0) {
          md.update(buf, 0, k);
          n += k;
        }
      }
      assertEquals(gib, n);
      String digest = PatternBytes.hex(md.digest());
      assertEquals(PatternBytes.digestOf(gib), digest);
      JsonNode body = records(audit, 1).get(0).path("response").path("body");
      assertEquals(gib, body.path("bytes").asLong());
      assertEquals(digest, body.path("sha256").asText());
      assertEquals("content_type", body.path("skipped").asText());
      assertEquals(0, body.path("kept_bytes").asLong());
      assertTrue(gw.gateway.captureBudget().peakInUse() <= 65536, "the download reserved no capture budget");
    }
  }

  @Test
  void concurrentLargeBodiesNeverExceedTheBudgetAndThoseWithoutBudgetSayBudget(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    long budget = 16L << 20;
    int n = 200;
    try (RunningGateway gw = gateway(audit, "  budget_bytes: " + budget + "\n",
        "    audit: { max_body_bytes: 1048576, budget_share: 1 }\n", bodiesUrl())) {
      List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        calls.add(gw.client.sendAsync(HttpRequest.newBuilder(URI.create(gw.url("/mib-json"))).build(),
            HttpResponse.BodyHandlers.ofByteArray()));
      }
      for (CompletableFuture<HttpResponse<byte[]>> c : calls) {
        HttpResponse<byte[]> r = c.get(60, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertArrayEquals(MIB_JSON, r.body());
      }
      List<JsonNode> recs = records(audit, n);
      assertEquals(n, recs.size());
      int kept = 0;
      int refused = 0;
      for (JsonNode rec : recs) {
        JsonNode body = rec.path("response").path("body");
        assertEquals(MIB_JSON.length, body.path("bytes").asLong());
        assertEquals(sha256(MIB_JSON), body.path("sha256").asText());
        if (body.path("skipped").isNull() && !body.path("truncated").asBoolean()) {
          kept++;
          assertEquals(MIB_JSON.length, body.path("kept_bytes").asLong());
        } else if (body.path("skipped").isNull()) {
          // The budget refused to let its kept prefix grow: a truncated body, not a skipped one.
          refused++;
          assertTrue(body.path("kept_bytes").asLong() < MIB_JSON.length, body.toString());
        } else {
          refused++;
          assertEquals("budget", body.path("skipped").asText());
        }
      }
      assertTrue(kept >= 1 && refused >= 1, "kept " + kept + ", refused " + refused);
      assertTrue(gw.gateway.captureBudget().peakInUse() <= budget, "peak " + gw.gateway.captureBudget().peakInUse());
      assertTrue(gw.gateway.captureBudget().exhaustedCount() >= refused);
      long deadline = System.currentTimeMillis() + 5000;
      while (gw.gateway.captureBudget().inUse() != 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(0, gw.gateway.captureBudget().inUse(), "all budget returned once records are written");
    }
  }

  @Test
  void slowUploadsOfUnknownLengthOnOneRouteLeaveAnotherRoutesJsonPostKept(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    int uploads = 100;
    byte[] part = "{\"chunk\":\"".concat("x".repeat(20 * 1024 - 20)).concat("\"}").getBytes(StandardCharsets.US_ASCII);
    byte[] post = ("{\"user\":\"ann\",\"note\":\"" + "y".repeat(10_000) + "\"}").getBytes(StandardCharsets.UTF_8);
    List<RawClient> slow = new ArrayList<>();
    try (RunningGateway gw = RunningGateway.start("""
        listen: 127.0.0.1:0
        audit:
          budget_bytes: 1048576
          sinks: [ { type: file, path: "${AUDIT}" } ]
        routes:
          - { name: uploads, match: { path_prefix: /uploads }, upstream: { targets: ["${T}"] } }
          - { name: api, match: { path_prefix: /api }, upstream: { targets: ["${T}"] } }
        """, Map.of("AUDIT", audit.toString(), "T", bodiesUrl()))) {
      // Before the fix each of these reserved its whole 64 KiB cap at once: sixteen held the 1 MiB.
      for (int i = 0; i < uploads; i++) {
        RawClient c = RawClient.connect(gw.gateway.port());
        slow.add(c);
        c.send("POST /uploads/" + i + " HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(part.length) + "\r\n");
        c.send(part);
        c.send("\r\n");
      }
      long deadline = System.currentTimeMillis() + 10_000;
      long share = 1048576 / 4;
      while (gw.gateway.captureBudget().inUse() < share - 64 * 1024 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(gw.gateway.captureBudget().inUse() >= share - 64 * 1024, "uploads in flight hold their share: "
          + gw.gateway.captureBudget().inUse());
      assertTrue(gw.gateway.captureBudget().inUse() <= share, "one route holds no more than its share");

      HttpResponse<String> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/api/login")))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(post)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      JsonNode api = records(audit, 1).stream().filter(x -> x.path("route").asText().equals("api")).findFirst().orElseThrow();
      JsonNode body = api.path("request").path("body");
      assertTrue(body.path("skipped").isNull(), body.toString());
      assertFalse(body.path("truncated").asBoolean(), body.toString());
      assertEquals(post.length, body.path("kept_bytes").asLong());
      assertEquals(0, gw.gateway.captureBudget().exhaustedCount(), "the global budget was never the limit");

      for (RawClient c : slow) {
        c.send("0\r\n\r\n");
      }
      for (RawClient c : slow) {
        assertEquals(200, c.read().status());
        c.close();
      }
      List<JsonNode> recs = records(audit, uploads + 1);
      assertEquals(uploads + 1, recs.size());
      int kept = 0;
      for (JsonNode rec : recs) {
        JsonNode up = rec.path("request").path("body");
        if (!rec.path("route").asText().equals("uploads")) {
          continue;
        }
        assertEquals(part.length, up.path("bytes").asLong());
        assertEquals(sha256(part), up.path("sha256").asText(), "digest of all bytes, kept or not");
        if (up.path("skipped").isNull() && !up.path("truncated").asBoolean()) {
          kept++;
        } else if (up.path("skipped").isNull()) {
          assertTrue(up.path("kept_bytes").asLong() < part.length, up.toString()); // cut short by the share
        } else {
          assertEquals("budget", up.path("skipped").asText());
        }
      }
      assertTrue(kept >= 1 && kept < uploads, "kept whole: " + kept);
      deadline = System.currentTimeMillis() + 5000;
      while (gw.gateway.captureBudget().inUse() != 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(0, gw.gateway.captureBudget().inUse(), "all budget returned once records are written");
    } finally {
      for (RawClient c : slow) {
        c.close();
      }
    }
  }

  @Test
  void aGzipJsonResponseReachesTheClientCompressedAndTheRecordHoldsItDecoded(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    try (RunningGateway gw = gateway(audit, "", "", bodiesUrl())) {
      HttpResponse<byte[]> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/gzip-json")))
          .header("accept-encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
      assertArrayEquals(gzipJson, r.body(), "client gets the upstream's gzip bytes");
      assertEquals("gzip", r.headers().firstValue("content-encoding").orElse(""));
    }
    JsonNode rec = records(audit, 1).get(0);
    JsonNode get = rec.path("request").path("body");
    assertEquals(0, get.path("bytes").asLong());
    assertTrue(get.path("skipped").isNull(), "a GET has no body, not a skipped one: " + get);
    JsonNode body = rec.path("response").path("body");
    assertEquals("gzip", body.path("decoded_from").asText());
    assertEquals(gzipJson.length, body.path("bytes").asLong());
    assertTrue(body.path("content").asText().startsWith("{\"items\":[{\"name\":\"x\",\"token\":\"[redacted]\"}"), body.toString());
  }

  @Test
  void aGzipBombIsForwardedUntouchedAndRecordedTruncated(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    try (RunningGateway gw = gateway(audit, "", "", bodiesUrl())) {
      HttpResponse<byte[]> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/bomb"))).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(sha256(gzipBomb), sha256(r.body()), "forwarded byte for byte");
    }
    JsonNode body = records(audit, 1).get(0).path("response").path("body");
    assertTrue(body.path("truncated").asBoolean(), body.toString());
    assertTrue(body.path("kept_bytes").asLong() <= 65536, body.path("kept_bytes").toString());
    assertEquals(gzipBomb.length, body.path("bytes").asLong());
  }

  @Test
  void eventStreamsAndWebSocketsAreRecordedWithByteCountsAndNoBodies(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    try (TestUpstream up = TestUpstream.start("live"); RunningGateway gw = gateway(audit, "", "", up.url())) {
      HttpResponse<String> sse = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/sse-auto?events=3"))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(sse.body().contains("data: 3"));
      CompletableFuture<String> echo = new CompletableFuture<>();
      WebSocket ws = gw.client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + gw.gateway.port() + "/ws"),
          new WebSocket.Listener() {
            @Override
            public java.util.concurrent.CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
              echo.complete(data.toString());
              return null;
            }
          }).get(10, TimeUnit.SECONDS);
      ws.sendText("ping-1234", true);
      assertEquals("ping-1234", echo.get(10, TimeUnit.SECONDS));
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
      List<JsonNode> recs = records(audit, 2);
      JsonNode sseRec = recs.stream().filter(x -> x.path("request").path("uri").asText().startsWith("/sse")).findFirst().orElseThrow();
      assertEquals("stream", sseRec.path("response").path("body").path("skipped").asText());
      assertEquals(sse.body().getBytes(StandardCharsets.UTF_8).length, sseRec.path("response").path("body").path("bytes").asLong());
      JsonNode wsRec = recs.stream().filter(x -> x.path("request").path("uri").asText().equals("/ws")).findFirst().orElseThrow();
      assertEquals(101, wsRec.path("response").path("status").asInt());
      assertEquals("websocket", wsRec.path("request").path("body").path("skipped").asText());
      assertTrue(wsRec.path("request").path("body").path("bytes").asLong() >= "ping-1234".length(), wsRec.toString());
      assertTrue(wsRec.path("response").path("body").path("bytes").asLong() >= "ping-1234".length(), wsRec.toString());
      assertNull(wsRec.path("response").path("body").path("content").textValue());
    }
  }

  @Test
  void underTheBlockPolicyATinyQueueLosesNoRecord(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    int n = 60;
    try (RunningGateway gw = gateway(audit, "  queue_records: 2\n  on_queue_full: block\n", "", bodiesUrl())) {
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        calls.add(gw.client.sendAsync(HttpRequest.newBuilder(URI.create(gw.url("/r" + i))).build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> c : calls) {
        assertEquals(200, c.get(30, TimeUnit.SECONDS).statusCode());
      }
      assertEquals(n, records(audit, n).size());
      assertEquals(0, gw.gateway.auditPipeline().dropped());
    }
  }

  @Test
  void underTheDropPolicyTheDropCounterEqualsTheMissingRecords(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    int n = 200;
    long dropped;
    try (RunningGateway gw = gateway(audit, "  queue_records: 1\n  on_queue_full: drop\n", "", bodiesUrl())) {
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        calls.add(gw.client.sendAsync(HttpRequest.newBuilder(URI.create(gw.url("/r" + i))).build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> c : calls) {
        assertEquals(200, c.get(30, TimeUnit.SECONDS).statusCode());
      }
      Thread.sleep(1500);
      dropped = gw.gateway.auditPipeline().dropped();
    }
    int written = AuditFile.completeLines(audit).size();
    assertEquals(n, written + dropped, "written " + written + " + dropped " + dropped);
  }

  @Test
  void unmatchedRequestsAreRecordedAsRejected(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    try (RunningGateway gw = RunningGateway.start("""
        listen: 127.0.0.1:0
        audit: { sinks: [ { type: file, path: "${AUDIT}" } ] }
        routes:
          - { name: api, match: { path_prefix: /api }, upstream: { targets: ["${T}"] } }
        """, Map.of("AUDIT", audit.toString(), "T", bodiesUrl()))) {
      assertEquals(404, gw.get("/nothing-here").statusCode());
    }
    JsonNode rec = records(audit, 1).get(0);
    assertEquals("rejected", rec.path("outcome").asText());
    assertEquals(404, rec.path("response").path("status").asInt());
    assertTrue(rec.path("route").isNull());
  }

  static String first(JsonNode header) {
    return header.isArray() ? header.get(0).asText() : header.asText();
  }

  static String sha256(byte[] bytes) {
    return PatternBytes.hex(PatternBytes.sha256().digest(bytes));
  }

  static byte[] gzip(byte[] plain) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(plain);
    }
    return out.toByteArray();
  }

  /** Ten gzip members of 1 GiB of zeros each: about 10 MiB that expand to 10 GiB. */
  static byte[] bomb() throws Exception {
    ByteArrayOutputStream member = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(member, 1 << 16)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 1024; i++) {
        gz.write(zeros);
      }
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = 0; i < 10; i++) {
      member.writeTo(all);
    }
    return all.toByteArray();
  }

  static byte[] mibOfJson() {
    StringBuilder b = new StringBuilder("{\"rows\":[");
    while (b.length() < (1 << 20) - 64) {
      b.append("{\"id\":12345,\"name\":\"row\"},");
    }
    b.append("{}]}");
    while (b.length() < (1 << 20)) {
      b.append(' ');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
