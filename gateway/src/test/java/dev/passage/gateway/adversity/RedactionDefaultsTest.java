package dev.passage.gateway.adversity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.gateway.support.AuditFile;
import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RawResponse;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redaction fails safe: the built-in names cover forms as well as JSON, any letter case, query
 * strings in the URI and in URL-valued headers; the global list reaches unrouted records; a body
 * whose coding cannot be undone is kept without content. Each secret below reached the audit file
 * before.
 */
class RedactionDefaultsTest {

  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir
  static Path dir;
  static RecordingUpstream upstream;
  static RunningGateway gw;

  @BeforeAll
  static void start() throws Exception {
    upstream = RecordingUpstream.start();
    gw = RunningGateway.start("""
        listen: 127.0.0.1:0
        routes:
          - name: api
            match: { path_prefix: /api }
            upstream: { targets: ["${U}"] }
        audit:
          redact: { headers: [x-internal-secret] }
          flush_interval: 50ms
          sinks: [{ type: file, path: "${AUDIT}" }]
        """, Map.of("U", upstream.url(), "AUDIT", dir.resolve("audit.jsonl").toString()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    upstream.close();
  }

  @Test
  void formPasswordsAndClientSecretsAreRedactedByDefault() throws Exception {
    String line = exchange("POST /api/token HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n",
        "grant_type=password&username=ana&password=hunter2&client_secret=s3cr3t");
    assertFalse(line.contains("hunter2"), line);
    assertFalse(line.contains("s3cr3t"), line);
    JsonNode rec = JSON.readTree(line);
    assertEquals("grant_type=password&username=ana&password=[redacted]&client_secret=[redacted]",
        rec.path("request").path("body").path("content").asText());
  }

  @Test
  void jsonSentAsTextPlainAndFieldNamesInAnyCaseAreRedacted() throws Exception {
    String line = exchange("POST /api/login HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n",
        "{\"User\":\"ana\",\"PassWord\":\"hunter2\",\"nested\":{\"API_KEY\":\"k-123\"}}");
    assertFalse(line.contains("hunter2"), line);
    assertFalse(line.contains("k-123"), line);
    assertTrue(line.contains("ana"), "the rest is kept: " + line);
  }

  @Test
  void tokensInTheQueryAndInRefererAreRedacted() throws Exception {
    String line = exchange("GET /api/cb?code=1&access_token=abc123 HTTP/1.1\r\nHost: h\r\n"
        + "Referer: https://app.example/back?token=xyz789&page=2\r\n", "");
    assertFalse(line.contains("abc123"), line);
    assertFalse(line.contains("xyz789"), line);
    JsonNode rec = JSON.readTree(line);
    assertEquals("/api/cb?code=1&access_token=[redacted]", rec.path("request").path("uri").asText());
    assertEquals("https://app.example/back?token=[redacted]&page=2",
        rec.path("request").path("headers").path("referer").asText());
  }

  @Test
  void theGlobalListAppliesToRequestsNoRouteTook() throws Exception {
    String line = exchange("GET /nowhere HTTP/1.1\r\nHost: h\r\nX-Internal-Secret: zzz-777\r\n", "");
    assertFalse(line.contains("zzz-777"), line);
    JsonNode rec = JSON.readTree(line);
    assertEquals("no_route", rec.path("reason").asText());
    assertEquals("[redacted]", rec.path("request").path("headers").path("x-internal-secret").asText());
  }

  @Test
  void aBodyInACodingThatCannotBeUndoneIsKeptWithoutContent() throws Exception {
    String line = exchange("POST /api/upload HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
        + "Content-Encoding: x-secret-sauce\r\n", "password=hunter2");
    assertFalse(line.contains("hunter2"), line);
    JsonNode body = JSON.readTree(line).path("request").path("body");
    assertEquals("encoding", body.path("skipped").asText());
    assertTrue(body.path("content").isNull());
    assertEquals(16, body.path("bytes").asInt(), "size and digest are still recorded");
  }

  /** Sends one request (with a Content-Length body when given) and returns its audit line. */
  static String exchange(String head, String body) throws Exception {
    try (RawClient c = RawClient.connect(gw.gateway.port())) {
      String request = head + (body.isEmpty() ? "" : "Content-Length: " + body.length() + "\r\n") + "\r\n" + body;
      RawResponse r = c.send(request).read();
      String id = r.header("x-request-id");
      assertNotNull(id);
      return awaitLine(id);
    }
  }

  static String awaitLine(String id) throws Exception {
    String line = new AuditFile(dir.resolve("audit.jsonl")).awaitLine("id", id, 5000);
    if (line == null) {
      throw new AssertionError("no record for " + id);
    }
    return line;
  }

}
