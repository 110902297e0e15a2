package dev.passage.gateway.adversity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.passage.gateway.support.AuditFile;
import dev.passage.gateway.support.LeakCheckExtension;
import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RawResponse;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream responses the proxy library used to answer by itself (a 501 before any interceptor ran)
 * and so never ended their exchange: with a small audit queue under the block policy, a few of them
 * froze every route. Each is now passed through and recorded, and the queue keeps moving.
 */
@ExtendWith(LeakCheckExtension.class)
class OddUpstreamTest {

  @TempDir
  static Path dir;
  static RecordingUpstream upstream;
  static RunningGateway gw;

  @BeforeAll
  static void start() throws Exception {
    upstream = RecordingUpstream.start(OddUpstreamTest::answer);
    gw = RunningGateway.start("""
        listen: 127.0.0.1:0
        routes:
          - name: odd
            match: { path_prefix: / }
            upstream: { targets: ["${U}"], response_timeout: 2s }
        audit:
          queue_records: 5
          on_queue_full: block
          flush_interval: 50ms
          sinks: [{ type: file, path: "${AUDIT}" }]
        """, Map.of("U", upstream.url(), "AUDIT", dir.resolve("audit.jsonl").toString()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    upstream.close();
  }

  /** {@code /te/<coding>} answers a chunked "hello" body under that Transfer-Encoding header text. */
  static byte[] answer(byte[] request) {
    String line = RecordingUpstream.text(request).split("\r\n", 2)[0];
    String path = line.split(" ")[1];
    String head;
    String body = "5\r\nhello\r\n0\r\n\r\n";
    if (path.equals("/cc/expires-zero")) {
      head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: public\r\nExpires: 0\r\n"
          + "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 5\r\n\r\n";
      body = "plain";
    } else if (path.equals("/cc/max-age-fraction")) {
      head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: public, max-age=1.5\r\n"
          + "Content-Length: 5\r\n\r\n";
      body = "plain";
    } else if (path.equals("/status/999")) {
      head = "HTTP/1.1 999 Odd\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n";
      body = "plain";
    } else if (path.equals("/trailers")) {
      head = "HTTP/1.1 200 OK\r\nContent-Type: application/grpc\r\nTransfer-Encoding: chunked\r\n"
          + "Trailer: grpc-status\r\n\r\n";
      body = "5\r\nhello\r\n0\r\ngrpc-status: 0\r\n\r\n";
    } else if (path.startsWith("/te/")) {
      String coding = path.substring(4).replace("%20", " ");
      head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: " + coding + "\r\n\r\n";
    } else {
      head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n";
      body = "plain";
    }
    return (head + body).getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void oddlySpelledChunkedResponsesPassThroughAndEveryOneIsRecorded() throws Exception {
    // Twenty of them against a queue of five records: any that held its slot would freeze the gateway.
    for (int i = 0; i < 20; i++) {
      String coding = i % 2 == 0 ? "Chunked" : "chunked%20";
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        RawResponse r = c.send("GET /te/" + coding + " HTTP/1.1\r\nHost: h\r\n\r\n").read();
        assertEquals(200, r.status(), coding);
        assertEquals("hello", r.bodyText(), coding);
        assertEquals("chunked", r.header("transfer-encoding"), "re-framed for the client");
        JsonNode rec = awaitRecord(r.header("x-request-id"));
        assertNotNull(rec, "a record for " + coding);
        assertEquals("ok", rec.path("outcome").asText());
        assertEquals(200, rec.path("response").path("status").asInt());
      }
    }
    try (RawClient c = RawClient.connect(gw.gateway.port())) {
      RawResponse r = c.send("GET /plain HTTP/1.1\r\nHost: h\r\n\r\n").read();
      assertEquals(200, r.status(), "other requests still flow");
      assertEquals("plain", r.bodyText());
    }
  }

  @Test
  void aCodingBeforeChunkedIsFramedAsChunkedAndTheBodyPassesAsSent() throws Exception {
    try (RawClient c = RawClient.connect(gw.gateway.port())) {
      RawResponse r = c.send("GET /te/gzip,%20chunked HTTP/1.1\r\nHost: h\r\n\r\n").read();
      // The body is forwarded as the upstream framed it; its gzip coding is the client's to undo,
      // but Transfer-Encoding is hop by hop, so the client sees only chunked framing.
      assertEquals(200, r.status());
      assertEquals("hello", r.bodyText());
      assertNull(r.header("content-encoding"));
      JsonNode rec = awaitRecord(r.header("x-request-id"));
      assertNotNull(rec);
      assertEquals("ok", rec.path("outcome").asText());
    }
  }

  @Test
  void cacheHeadersTheLibraryCannotParsePassAsSentInsteadOfFailingTheExchange() throws Exception {
    for (String path : new String[] {"/cc/expires-zero", "/cc/max-age-fraction"}) {
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        RawResponse r = c.send("GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n").read();
        assertEquals(200, r.status(), path + ": " + r);
        assertEquals("plain", r.bodyText());
        assertEquals(path.endsWith("zero") ? "public" : "public, max-age=1.5", r.header("cache-control"));
        assertNull(r.header(UPSTREAM_HIDDEN), "the private name never leaves the gateway");
        JsonNode rec = awaitRecord(r.header("x-request-id"));
        assertEquals("ok", rec.path("outcome").asText());
        assertEquals(r.header("cache-control"), rec.path("response").path("headers").path("cache-control").asText());
      }
    }
  }

  @Test
  void aStatusOutsideTheRegisteredRangeIsRelayedAndRecordedAsReceived() throws Exception {
    try (RawClient c = RawClient.connect(gw.gateway.port())) {
      RawResponse r = c.send("GET /status/999 HTTP/1.1\r\nHost: h\r\n\r\n").read();
      assertEquals(999, r.status());
      JsonNode rec = awaitRecord(r.header("x-request-id"));
      assertNotNull(rec, "the record is not lost");
      assertEquals(999, rec.path("response").path("status").asInt());
    }
  }

  @Test
  void responseTrailerFieldsReachTheClientAfterTheLastChunk() throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.gateway.port())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET /trailers HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
      java.io.InputStream in = s.getInputStream();
      while (!got.toString(StandardCharsets.ISO_8859_1).matches("(?s).*\r\n0\r\n(.*\r\n)?\r\n")) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        got.write(b);
      }
      String wire = got.toString(StandardCharsets.ISO_8859_1);
      assertEquals(true, wire.startsWith("HTTP/1.1 200"), wire);
      assertEquals(true, wire.endsWith("\r\n0\r\ngrpc-status: 0\r\n\r\n"), "the trailer, after the last chunk: " + wire);
    }
  }

  static final String UPSTREAM_HIDDEN = "x-passage-hidden-cache-control";

  static JsonNode awaitRecord(String id) throws Exception {
    return new AuditFile(dir.resolve("audit.jsonl")).await(id, 5000);
  }

}
