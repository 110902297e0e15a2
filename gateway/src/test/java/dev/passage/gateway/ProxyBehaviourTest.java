package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.RawHttp;
import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The proxy's HTTP behaviour, against real upstream servers on loopback. */
class ProxyBehaviourTest {

  static TestUpstream a;
  static TestUpstream b;
  static RunningGateway gw;

  @BeforeAll
  static void start() throws Exception {
    a = TestUpstream.start("a");
    b = TestUpstream.start("b");
    gw = RunningGateway.start("""
        listen: 127.0.0.1:0
        routes:
          - name: api
            match: { path_prefix: /api, methods: [GET, POST] }
            upstream: { targets: ["${A}"] }
          - name: b
            match: { path_prefix: /b }
            strip_prefix: true
            upstream: { targets: ["${B}"], response_timeout: 500ms }
          - name: b-admin-host
            match: { host: admin.example, path_prefix: /api }
            upstream: { targets: ["${B}"] }
          - name: rest
            match: { path_prefix: / }
            upstream: { targets: ["${A}"] }
        """, Map.of("A", a.url(), "B", b.url()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    a.close();
    b.close();
  }

  @Test
  void requestsReachTheUpstreamOfTheMostSpecificRoute() throws Exception {
    assertEquals("a", new JsonObject(gw.get("/api/users").body()).getString("upstream"));
    JsonObject stripped = new JsonObject(gw.get("/b/things?x=1").body());
    assertEquals("b", stripped.getString("upstream"));
    assertEquals("/things?x=1", stripped.getString("path"), "strip_prefix removes /b");
    assertEquals("/", new JsonObject(gw.get("/b").body()).getString("path"));
    String byHost = RawHttp.exchange(gw.gateway.port(), "GET /api/x HTTP/1.1\r\nHost: admin.example\r\nConnection: close\r\n\r\n");
    assertTrue(byHost.contains("\"upstream\":\"b\""), "exact host beats wildcard on equal prefix: " + byHost);
  }

  @Test
  void unmatchedMethodOrPathGets404WithAShortJsonBody() throws Exception {
    HttpResponse<String> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/api/x")))
        .method("DELETE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    // DELETE /api/x is not allowed on "api", so the catch-all route takes it.
    assertEquals("a", new JsonObject(r.body()).getString("upstream"));
    try (RunningGateway only = RunningGateway.start("""
        listen: 127.0.0.1:0
        routes:
          - { name: api, match: { path_prefix: /api }, upstream: { targets: ["${A}"] } }
        """, Map.of("A", a.url()))) {
      HttpResponse<String> miss = only.get("/apix");
      assertEquals(404, miss.statusCode());
      assertEquals("application/json", miss.headers().firstValue("content-type").orElse(""));
      JsonObject body = new JsonObject(miss.body());
      assertEquals(404, body.getInteger("status"));
      assertNotNull(body.getString("request_id"));
      assertEquals(body.getString("request_id"), miss.headers().firstValue("x-request-id").orElse(null));
    }
  }

  @Test
  void hopByHopHeadersAreRemovedInBothDirections() throws Exception {
    a.receivedHeaders.clear();
    String response = RawHttp.exchange(gw.gateway.port(), "GET /echo HTTP/1.1\r\nHost: gw.test\r\n"
        + "Connection: keep-alive, X-Private\r\nX-Private: secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
        + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\nProxy-Foo: bar\r\nX-Kept: yes\r\n\r\n");
    Map<String, String> seen = a.receivedHeaders.poll(5, TimeUnit.SECONDS);
    assertNotNull(seen);
    for (String gone : new String[] {"x-private", "keep-alive", "te", "proxy-authorization", "proxy-foo"}) {
      assertNull(seen.get(gone), gone + " must not reach the upstream: " + seen);
    }
    assertEquals("yes", seen.get("x-kept"));
    String head = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase();
    assertFalse(head.contains("x-hop-secret"), "a header named by the upstream's Connection is dropped: " + head);
    assertFalse(head.contains("keep-alive: timeout"), head);
  }

  @Test
  void forwardingHeadersAreSetAndHostIsPreserved() throws Exception {
    a.receivedHeaders.clear();
    RawHttp.exchange(gw.gateway.port(), "GET /echo HTTP/1.1\r\nHost: shop.example:8443\r\n"
        + "X-Forwarded-For: 203.0.113.9\r\nForwarded: for=203.0.113.9\r\nConnection: close\r\n\r\n");
    Map<String, String> seen = a.receivedHeaders.poll(5, TimeUnit.SECONDS);
    assertEquals("shop.example:8443", seen.get("host"), "Host passes through by default");
    // 127.0.0.1 is not in server.trusted_proxies (empty by default): what it claims is replaced.
    assertEquals("127.0.0.1", seen.get("x-forwarded-for"));
    assertEquals("http", seen.get("x-forwarded-proto"));
    assertEquals("shop.example:8443", seen.get("x-forwarded-host"));
    assertEquals("for=127.0.0.1;host=\"shop.example:8443\";proto=http", seen.get("forwarded"));
    assertNotNull(seen.get("x-request-id"));
  }

  @Test
  void requestIdIsKeptWhenSentAndGeneratedWhenAbsent() throws Exception {
    a.receivedHeaders.clear();
    HttpResponse<String> given = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/echo")))
        .header("X-Request-Id", "abc-123").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals("abc-123", given.headers().firstValue("x-request-id").orElse(null));
    assertEquals("abc-123", a.receivedHeaders.poll(5, TimeUnit.SECONDS).get("x-request-id"));
    HttpResponse<String> generated = gw.get("/echo");
    String id = generated.headers().firstValue("x-request-id").orElse("");
    assertTrue(id.matches("[0-9a-f]{32}"), id);
    assertEquals(id, a.receivedHeaders.poll(5, TimeUnit.SECONDS).get("x-request-id"));
  }

  @Test
  void compressedBodiesPassThroughByteForByteWithoutForcingIdentity() throws Exception {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write("{\"compressed\":true}".repeat(200).getBytes());
    }
    byte[] body = gz.toByteArray();
    a.receivedHeaders.clear();
    HttpResponse<String> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/echo")))
        .header("Content-Encoding", "gzip").header("Accept-Encoding", "gzip, br")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    JsonObject echo = new JsonObject(r.body());
    assertEquals(body.length, echo.getLong("body_bytes"));
    assertEquals(dev.passage.gateway.support.PatternBytes.hex(
        dev.passage.gateway.support.PatternBytes.sha256().digest(body)), echo.getString("body_sha256"));
    Map<String, String> seen = a.receivedHeaders.poll(5, TimeUnit.SECONDS);
    assertEquals("gzip, br", seen.get("accept-encoding"), "Accept-Encoding is passed as the client sent it");
    assertEquals("gzip", seen.get("content-encoding"));
  }

  @Test
  void unreachableUpstreamGives502WithJsonAndNoInternalDetails() throws Exception {
    int deadPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    try (RunningGateway dead = RunningGateway.start("""
        listen: 127.0.0.1:0
        routes:
          - { name: dead, match: { path_prefix: / }, upstream: { targets: ["http://127.0.0.1:${P}"] } }
        """, Map.of("P", Integer.toString(deadPort)))) {
      HttpResponse<String> r = dead.get("/x");
      assertEquals(502, r.statusCode());
      assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
      assertEquals(502, new JsonObject(r.body()).getInteger("status"));
      assertFalse(r.body().contains(Integer.toString(deadPort)), "no upstream address in the body: " + r.body());
      assertFalse(r.body().toLowerCase().contains("exception"), r.body());
      assertEquals(200, gw.get("/api/still-serving").statusCode());
    }
  }

  @Test
  void aWebSocketUpgradeTheUpstreamNeverAnswersGives504AfterTheResponseTimeout() throws Exception {
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0);
        RunningGateway gw2 = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - name: silent
                match: { path_prefix: / }
                upstream: { targets: ["http://127.0.0.1:${P}"], response_timeout: 300ms }
            """, Map.of("P", Integer.toString(silent.getLocalPort())))) {
      // The upstream accepts the TCP connection (the backlog does) and never says a word.
      java.util.concurrent.CompletableFuture<java.net.http.WebSocket> ws = gw2.client.newWebSocketBuilder()
          .buildAsync(URI.create("ws://127.0.0.1:" + gw2.gateway.port() + "/ws"), new java.net.http.WebSocket.Listener() {});
      java.util.concurrent.ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
              () -> ws.get(10, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof java.net.http.WebSocketHandshakeException, e.toString());
      assertEquals(504, ((java.net.http.WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
    }
  }

  @Test
  void noResponseHeadersWithinResponseTimeoutGives504() throws Exception {
    HttpResponse<String> r = gw.get("/b/slow-headers?ms=3000");
    assertEquals(504, r.statusCode());
    assertEquals(504, new JsonObject(r.body()).getInteger("status"));
    assertEquals(200, gw.get("/b/after-timeout").statusCode(), "the route keeps serving");
  }

  @Test
  void upstreamConnectionsAreReusedAcrossRequests() throws Exception {
    try (TestUpstream c = TestUpstream.start("c");
        RunningGateway g = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - { name: c, match: { path_prefix: / }, upstream: { targets: ["${C}"] } }
            """, Map.of("C", c.url()))) {
      for (int i = 0; i < 20; i++) {
        assertEquals(200, g.get("/ping").statusCode());
      }
      assertEquals(1, c.connections.get(), "sequential requests ride one pooled keep-alive connection");
    }
  }

  @Test
  void clientSendingHugeHeadersGets431AndTheGatewayKeepsServing() throws Exception {
    String big = "x".repeat(20_000);
    String response = RawHttp.exchange(gw.gateway.port(), "GET /api HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.1 431"), response.substring(0, Math.min(60, response.length())));
    String longLine = RawHttp.exchange(gw.gateway.port(), "GET /api?" + big + " HTTP/1.1\r\nHost: a\r\n\r\n");
    assertTrue(longLine.matches("(?s)HTTP/1\\.[01] 414.*"), longLine.substring(0, Math.min(60, longLine.length())));
    String garbage = RawHttp.exchange(gw.gateway.port(), "NOT HTTP AT ALL\r\n\r\n");
    assertTrue(garbage.matches("(?s)HTTP/1\\.[01] 400.*"), garbage.substring(0, Math.min(60, garbage.length())));
    assertEquals(200, gw.get("/api/ok").statusCode());
  }

  @Test
  void http10ClientGetsAResponseOfUnknownLengthDelimitedByClose() throws Exception {
    String fixed = RawHttp.exchange(gw.gateway.port(), "GET /api/x HTTP/1.0\r\nHost: a\r\n\r\n");
    assertTrue(fixed.contains(" 200 "), fixed);
    String chunked = RawHttp.exchange(gw.gateway.port(), "GET /bytes?n=100000&chunked=1 HTTP/1.0\r\nHost: a\r\n\r\n");
    assertTrue(chunked.startsWith("HTTP/1.0 200"), chunked.substring(0, 40));
    String head = chunked.substring(0, chunked.indexOf("\r\n\r\n")).toLowerCase();
    assertFalse(head.contains("transfer-encoding"), head);
    assertFalse(head.contains("content-length"), head);
    assertEquals(100000, chunked.length() - head.length() - 4, "the whole body, ended by the close");
  }

  static Duration seconds(int s) {
    return Duration.ofSeconds(s);
  }
}
