package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.capture.RenderedBody;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditRecordJsonTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void jsonLineRoundTrips() {
    for (AuditRecord r : List.of(Records.full("r-1"), Records.minimal("r-2"))) {
      byte[] line = AuditRecordJson.toLine(r);
      String text = new String(line, StandardCharsets.UTF_8);
      assertEquals(r, AuditRecordJson.fromLine(text));
    }
  }

  @Test
  void aRecordIsExactlyOneLineEvenWhenValuesHoldNewlines() {
    String text = new String(AuditRecordJson.toLine(Records.full("r-1")), StandardCharsets.UTF_8);
    assertTrue(text.endsWith("\n"));
    assertEquals(text.length() - 1, text.indexOf('\n'), "only the terminating newline: " + text);
  }

  @Test
  void fieldsAreNestedUnderTheDocumentedNames() throws Exception {
    JsonNode n = JSON.readTree(AuditRecordJson.toLine(Records.full("r-1")));
    assertEquals("r-1", n.get("id").asText());
    assertEquals("2026-03-01T12:34:56.789Z", n.get("ts").asText());
    assertEquals(42, n.get("duration_ms").asLong());
    assertEquals("203.0.113.9", n.at("/client/ip").asText());
    assertEquals("POST", n.at("/request/method").asText());
    assertEquals(201, n.at("/response/status").asInt());
    assertEquals(1024, n.at("/response/body/kept_bytes").asLong());
    assertEquals("gzip", n.at("/response/body/decoded_from").asText());
    assertEquals("http://10.0.0.5:8080", n.at("/upstream/target").asText());
    assertEquals(7, n.at("/upstream/ttfb_ms").asLong());
    assertEquals("ok", n.get("outcome").asText());
  }

  @Test
  void timestampsAreUtcWithMillisecondsEvenOnTheWholeSecond() throws Exception {
    JsonNode n = JSON.readTree(AuditRecordJson.toLine(Records.minimal("r-2")));
    assertEquals("2026-03-01T12:00:00.000Z", n.get("ts").asText());
  }

  @Test
  void repeatedHeadersBecomeArraysInArrivalOrder() throws Exception {
    JsonNode headers = JSON.readTree(AuditRecordJson.toLine(Records.full("r-1"))).at("/request/headers");
    assertEquals(List.of("content-type", "accept"), iterableToList(headers.fieldNames()));
    assertEquals("application/json", headers.get("content-type").asText());
    assertTrue(headers.get("accept").isArray());
    assertEquals("text/html", headers.get("accept").get(0).asText());
    assertEquals("application/json", headers.get("accept").get(1).asText());
  }

  @Test
  void nullableFieldsAreWrittenAsNullSoEveryLineHasTheSameKeys() throws Exception {
    JsonNode full = JSON.readTree(AuditRecordJson.toLine(Records.full("r-1")));
    JsonNode minimal = JSON.readTree(AuditRecordJson.toLine(Records.minimal("r-2")));
    assertEquals(keys(full, ""), keys(minimal, ""));
    assertTrue(minimal.at("/response/status").isNull());
    assertTrue(minimal.at("/request/body").isNull());
    assertTrue(minimal.at("/upstream/ttfb_ms").isNull());
  }

  @Test
  void subMillisecondTimestampsAreTruncatedSoTheyRoundTrip() {
    AuditRecord m = Records.minimal("r");
    AuditRecord precise = new AuditRecord(
        "r", Instant.parse("2026-03-01T12:00:00.123456789Z"), 0, null, null, "GET", "/", Map.of(),
        null, null, null, null, null, null, Outcome.OK, null);
    assertEquals(Instant.parse("2026-03-01T12:00:00.123Z"), precise.ts());
    assertEquals(precise, AuditRecordJson.fromLine(new String(AuditRecordJson.toLine(precise), StandardCharsets.UTF_8)));
    assertEquals(m, AuditRecordJson.fromLine(new String(AuditRecordJson.toLine(m), StandardCharsets.UTF_8)));
  }

  @Test
  void brokenUnicodeIsEscapedRatherThanLosingTheRecord() {
    AuditRecord r = new AuditRecord("x\uD800", Instant.EPOCH, 0, null, null, "GET", "/\uDC00", Map.of(),
        null, null, null, null, null, null, Outcome.OK, null);
    String line = new String(AuditRecordJson.toLine(r), StandardCharsets.UTF_8);
    assertTrue(line.contains("\"x\\uD800\""), line);
    assertEquals(r, AuditRecordJson.fromLine(line));
  }

  @Test
  void invalidLinesAreRejectedWithTheReason() {
    IllegalArgumentException notJson = assertThrows(IllegalArgumentException.class, () -> AuditRecordJson.fromLine("{oops"));
    assertTrue(notJson.getMessage().startsWith("not JSON"), notJson.getMessage());
    String noOutcome = new String(AuditRecordJson.toLine(Records.minimal("r")), StandardCharsets.UTF_8)
        .replace("\"outcome\":\"client_abort\"", "\"outcome\":\"exploded\"");
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> AuditRecordJson.fromLine(noOutcome));
    assertTrue(unknown.getMessage().contains("exploded"), unknown.getMessage());
  }

  @Test
  void outOfRangeValuesAreRejectedAtConstruction() {
    RenderedBody none = null;
    assertThrows(IllegalArgumentException.class, () -> new AuditRecord(
        "r", Instant.EPOCH, -1, null, null, "GET", "/", Map.of(), none, null, null, null, null, null, Outcome.OK, null));
    assertThrows(IllegalArgumentException.class, () -> new AuditRecord(
        "r", Instant.EPOCH, 0, null, null, "GET", "/", Map.of(), none, 99, null, null, null, null, Outcome.OK, null));
    assertThrows(NullPointerException.class, () -> new AuditRecord(
        null, Instant.EPOCH, 0, null, null, "GET", "/", Map.of(), none, null, null, null, null, null, Outcome.OK, null));
  }

  private static List<String> keys(JsonNode n, String prefix) {
    List<String> keys = new java.util.ArrayList<>();
    n.fields().forEachRemaining(e -> {
      keys.add(prefix + e.getKey());
      boolean nested = e.getValue().isObject() && !e.getKey().equals("headers") && !e.getKey().equals("body");
      if (nested) {
        keys.addAll(keys(e.getValue(), prefix + e.getKey() + "."));
      }
    });
    return keys;
  }

  private static <T> List<T> iterableToList(java.util.Iterator<T> it) {
    List<T> list = new java.util.ArrayList<>();
    it.forEachRemaining(list::add);
    return list;
  }
}
