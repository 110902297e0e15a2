package dev.passage.gateway.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.LeakCheckExtension;
import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RawResponse;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Per-connection limits, pipelining around a refusal, and refusals that keep or end a connection. */
@ExtendWith(LeakCheckExtension.class)
class ConnectionLimitsTest {

  static RecordingUpstream upstream;
  static RunningGateway gw;
  static RejectionCounters rejections;

  @BeforeAll
  static void start() throws Exception {
    upstream = RecordingUpstream.start();
    gw = RunningGateway.start("""
        listen: 127.0.0.1:0
        admin: { listen: 127.0.0.1:0 }
        server:
          max_requests_per_connection: 3
          max_connections: 4
          encoded_slashes: reject
        routes:
          - name: small
            match: { path_prefix: /small }
            max_request_body_bytes: 16
            upstream: { targets: ["${U}"] }
          - name: api
            match: { path_prefix: /api }
            upstream: { targets: ["${U}"] }
        """, Map.of("U", upstream.url()));
    rejections = new RejectionCounters(gw.gateway.adminPort());
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    upstream.close();
  }

  @BeforeEach
  void clear() {
    upstream.clear();
  }

  @Test
  void theLastRequestAllowedOnAConnectionIsAnsweredWithConnectionCloseAndTheConnectionEnds() throws Exception {
    try (RawClient c = RawClient.connect(gw.gateway.port())) {
      for (int i = 1; i <= 3; i++) {
        RawResponse r = c.send("GET /api/" + i + " HTTP/1.1\r\nHost: h\r\n\r\n").read();
        assertEquals(200, r.status(), "request " + i);
        assertEquals(i == 3 ? "close" : null, r.header("connection"), "request " + i);
      }
      assertTrue(c.closedByPeer(2000), "closed after the third response");
    }
    assertEquals(3, upstream.requestCount());
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAtOnceAndCounted() throws Exception {
    double before = metric("passage_connections_refused_total");
    List<RawClient> held = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        RawClient c = RawClient.connect(gw.gateway.port());
        held.add(c);
        // A full exchange proves the gateway accepted (and counted) this connection.
        assertEquals(200, c.send("GET /api/held HTTP/1.1\r\nHost: h\r\n\r\n").read().status());
      }
      try (RawClient fifth = RawClient.connect(gw.gateway.port())) {
        assertTrue(fifth.closedByPeer(2000), "the fifth connection is closed without a response");
      }
      assertEquals(before + 1, metric("passage_connections_refused_total"));
    } finally {
      for (RawClient c : held) {
        c.close();
      }
    }
    // Freed slots are usable again (the close reaches the gateway asynchronously).
    long end = System.currentTimeMillis() + 5000;
    RawResponse r = null;
    while (r == null && System.currentTimeMillis() < end) {
      try (RawClient again = RawClient.connect(gw.gateway.port())) {
        r = again.send("GET /api/again HTTP/1.1\r\nHost: h\r\n\r\n").read();
      } catch (java.io.IOException closedBeforeAnswer) {
        Thread.sleep(50);
      }
    }
    assertNotNull(r, "a new connection is served once the others closed");
    assertEquals(200, r.status());
  }

  @Test
  void encodedSlashesAreRefusedWhenConfiguredSo() throws Exception {
    for (String target : List.of("/api/a%2Fb", "/api/a%2fb", "/api/a%5Cb", "/api/a\\b")) {
      double before = rejections.count("encoded_slash");
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        RawResponse r = c.send("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n").read();
        assertEquals(400, r.status(), target);
        assertTrue(c.closedByPeer(2000), target);
      }
      assertEquals(before + 1, rejections.awaitAbove("encoded_slash", before, 2000), target);
    }
    assertEquals(0, upstream.requestCount());
  }

  @Test
  void aChunkedBodyGrowingPastTheRouteLimitGets413AndTheUpstreamNeverSeesItWhole() throws Exception {
    double before = rejections.count("body_too_large");
    try (RawClient c = RawClient.connect(gw.gateway.port())) {
      c.send("POST /small/up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n");
      Thread.sleep(100);
      c.send("10\r\n1234567890abcdef\r\n0\r\n\r\n");
      RawResponse r = c.read();
      assertEquals(413, r.status());
      assertEquals("close", r.header("connection"));
      assertTrue(c.closedByPeer(2000));
    }
    assertEquals(before + 1, rejections.awaitAbove("body_too_large", before, 2000));
    assertTrue(upstream.awaitNoPartialRequests(2000), "the upstream request was reset, not left half sent");
    assertEquals(0, upstream.requestCount(), "no complete request reached the upstream");
  }

  @Test
  void aRefusalPipelinedBehindAGoodRequestIsAnsweredAfterItAndEndsTheConnection() throws Exception {
    try (RawClient c = RawClient.connect(gw.gateway.port())) {
      c.send("GET /api/first HTTP/1.1\r\nHost: h\r\n\r\nGET /api/second HTTP/1.2\r\nHost: h\r\n\r\n"
          + "GET /api/never HTTP/1.1\r\nHost: h\r\n\r\n");
      RawResponse first = c.read();
      assertEquals(200, first.status());
      assertTrue(first.bodyText().startsWith("upstream saw"), first.bodyText());
      RawResponse second = c.read();
      assertEquals(505, second.status());
      assertTrue(c.closedByPeer(2000));
    }
    Thread.sleep(100);
    assertEquals(1, upstream.requestCount(), "the request after the refusal was never parsed");
  }

  @Test
  void noRouteWithoutABodyKeepsTheConnectionAndWithABodyEndsIt() throws Exception {
    try (RawClient c = RawClient.connect(gw.gateway.port())) {
      RawResponse r = c.send("GET /nowhere HTTP/1.1\r\nHost: h\r\n\r\n").read();
      assertEquals(404, r.status());
      assertNull(r.header("connection"));
      assertEquals(200, c.send("GET /api/then HTTP/1.1\r\nHost: h\r\n\r\n").read().status());
    }
    try (RawClient c = RawClient.connect(gw.gateway.port())) {
      RawResponse r = c.send("POST /nowhere HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello").read();
      assertEquals(404, r.status());
      assertEquals("close", r.header("connection"));
      assertTrue(c.closedByPeer(2000));
    }
    assertFalse(upstream.requests().stream().anyMatch(b -> RecordingUpstream.text(b).contains("nowhere")));
  }

  private static double metric(String name) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})?\\s+(\\S+)$").matcher(r.body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
