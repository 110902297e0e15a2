package dev.passage.gateway.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.passage.gateway.support.AuditFile;
import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RawResponse;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The front door (/work/frontdoor-spec.md) byte by byte: every row of {@link MalformedRequests} is
 * sent on a fresh socket to one gateway in front of a {@link RecordingUpstream}. A refusal must
 * answer with its status and a JSON body, say {@code Connection: close}, close, forward nothing
 * (no smuggled request either), and leave an audit record and a metric with its reason. An admitted
 * request must reach the upstream exactly as the spec rewrites it. Either way the gateway keeps serving.
 */
class MalformedRequestTest {

  static final String OK = "GET /ok HTTP/1.1\r\nHost: h\r\n\r\n";
  /** Long enough for bytes the gateway should not have forwarded to reach the upstream. */
  static final long LATE_FORWARD_MS = 100;

  @TempDir
  static Path dir;
  static RecordingUpstream upstream;
  static RunningGateway gw;
  static AuditFile audit;
  static RejectionCounters rejections;

  @BeforeAll
  static void start() throws Exception {
    upstream = RecordingUpstream.start();
    Path auditPath = dir.resolve("audit.jsonl");
    gw = RunningGateway.start("""
        listen: 127.0.0.1:0
        admin: { listen: 127.0.0.1:0 }
        server: { header_timeout: 2s, body_timeout: 2s }
        routes:
          - name: strip
            match: { path_prefix: /strip }
            strip_prefix: true
            upstream: { targets: ["${U}"] }
          - name: small
            match: { path_prefix: /small }
            max_request_body_bytes: 16
            upstream: { targets: ["${U}"] }
          - name: all
            match: { path_prefix: / }
            upstream: { targets: ["${U}"] }
        audit:
          flush_interval: 50ms
          sinks: [{ type: file, path: "${AUDIT}" }]
        """, Map.of("U", upstream.url(), "AUDIT", auditPath.toString()));
    audit = new AuditFile(auditPath);
    rejections = new RejectionCounters(gw.gateway.adminPort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  static Stream<Case> cases() {
    return MalformedRequests.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void requestIsAdmittedOrRefusedAsTheSpecSays(Case c) throws Exception {
    upstream.clear();
    double before = c.refusal() ? rejections.count(c.reason()) : 0;
    try (RawClient client = RawClient.connect(gw.gateway.port())) {
      sendAllowingEarlyClose(client, c.request());
      RawResponse r = finalResponse(client, c);
      for (int i = 0; i < c.followUps(); i++) {
        RawResponse next = client.read();
        assertNotNull(next, "pipelined request " + (i + 1) + " got no response");
        assertEquals(200, next.status(), "pipelined request " + (i + 1) + ": " + next);
      }
      assertForwarded(c);
      if (c.response() != null) {
        assertTrue(c.response().test().test(r), "response should have " + c.response().what() + ": " + r);
      }
      if (c.refusal()) {
        assertRefused(r, c.status(), c.reason(), before);
      }
      if (c.closes()) {
        assertTrue(client.closedByPeer(2000), "the gateway closes the connection after " + r.status());
      } else {
        client.send(OK);
        RawResponse again = client.read();
        assertNotNull(again, "the connection stays open for another request");
        assertEquals(200, again.status(), "next request on the same connection: " + again);
      }
    }
    assertEquals(200, freshRequestStatus(), "the gateway keeps serving new connections");
  }

  @Test
  void aHeadThatStopsArrivingGets408AfterTheHeaderTimeout() throws Exception {
    upstream.clear();
    double before = rejections.count("header_timeout");
    try (RawClient client = RawClient.connect(gw.gateway.port())) {
      long start = System.nanoTime();
      client.send("GET / HTTP/1.1\r\nHost: h\r\n");
      RawResponse r = client.read();
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertNotNull(r, "a timed-out head is answered, not silently closed");
      assertEquals(408, r.status(), r.toString());
      assertTrue(ms >= 1_500 && ms <= 4_000, "header_timeout is 2s; answered after " + ms + " ms");
      assertRefused(r, 408, "header_timeout", before);
      assertTrue(client.closedByPeer(2000), "closed after the 408");
    }
    Thread.sleep(LATE_FORWARD_MS);
    assertEquals(0, upstream.requestCount(), "an incomplete head is never forwarded");
    assertEquals(200, freshRequestStatus());
  }

  @Test
  void aBodyThatStopsArrivingGets408AfterTheBodyTimeoutAndTheUpstreamRequestIsReset() throws Exception {
    upstream.clear();
    double before = rejections.count("body_timeout");
    try (RawClient client = RawClient.connect(gw.gateway.port())) {
      long start = System.nanoTime();
      client.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
      RawResponse r = client.read();
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertNotNull(r, "a stalled body is answered when no response has started");
      assertEquals(408, r.status(), r.toString());
      assertTrue(ms >= 1_500 && ms <= 4_000, "body_timeout is 2s; answered after " + ms + " ms");
      assertRefused(r, 408, "body_timeout", before);
      assertTrue(client.closedByPeer(2000), "closed after the 408");
    }
    assertTrue(upstream.awaitNoPartialRequests(2000), "the upstream request is reset, not left hanging");
    assertEquals(0, upstream.requestCount(), "the upstream never sees a whole request");
    assertEquals(200, freshRequestStatus());
  }

  /** Writes the request; a refusal may close the socket before every byte is written, and that is fine. */
  private static void sendAllowingEarlyClose(RawClient client, byte[] request) throws IOException {
    try {
      client.send(request);
    } catch (SocketException e) {
      // The response, if any, is still waiting to be read.
    }
  }

  /** The final response, after checking the interim ones: exactly one 100 when the case expects it, none otherwise. */
  private static RawResponse finalResponse(RawClient client, Case c) throws IOException {
    List<Integer> interim = new ArrayList<>();
    RawResponse r = client.read();
    while (r != null && r.status() < 200) {
      interim.add(r.status());
      r = client.read();
    }
    assertNotNull(r, "the gateway answers (a refusal is never a silent close)");
    assertEquals(c.continues() ? List.of(100) : List.of(), interim, "interim responses");
    assertEquals(c.status(), r.status(), "status; response: " + r);
    return r;
  }

  private static void assertForwarded(Case c) throws InterruptedException {
    upstream.awaitRequests(c.forwarded(), 2000);
    Thread.sleep(LATE_FORWARD_MS);
    List<String> seen = upstream.requests().stream().map(RecordingUpstream::text).toList();
    assertEquals(c.forwarded(), seen.size(), "whole requests the upstream received: " + seen);
    if (c.upstream() != null) {
      assertTrue(c.upstream().test().test(seen), "upstream should see " + c.upstream().what() + "; it got: " + seen);
    }
    if (c.refusal()) {
      assertTrue(upstream.awaitNoPartialRequests(2000), "no upstream request is left half sent after a refusal");
    }
  }

  /** What every refusal leaves behind: the response headers, an audit record and a metric, all with the reason. */
  private static void assertRefused(RawResponse r, int status, String reason, double before) throws Exception {
    String connection = r.header("connection");
    assertTrue(connection != null && connection.toLowerCase().contains("close"), "Connection: close; got " + r);
    String type = r.header("content-type");
    assertTrue(type != null && type.startsWith("application/json"), "a JSON body; got " + r);
    String id = r.header("x-request-id");
    assertTrue(id != null && !id.isBlank(), "an x-request-id header; got " + r);

    JsonNode rec = audit.await(id, 5000);
    assertNotNull(rec, "an audit record with id " + id);
    assertEquals("rejected", rec.path("outcome").asText(null), "audit outcome: " + rec);
    assertEquals(reason, rec.path("reason").asText(null), "audit reason: " + rec);
    assertEquals(status, rec.path("response").path("status").asInt(-1), "audit response.status: " + rec);

    double after = rejections.awaitAbove(reason, before, 2000);
    assertEquals(before + 1, after, "passage_requests_rejected_total{reason=\"" + reason + "\"} counts this refusal once");
  }

  private static int freshRequestStatus() throws IOException {
    try (RawClient fresh = RawClient.connect(gw.gateway.port())) {
      RawResponse r = fresh.send(OK).read();
      return r == null ? -1 : r.status();
    }
  }
}
