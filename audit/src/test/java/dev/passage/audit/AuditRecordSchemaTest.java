package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.passage.capture.RenderedBody;
import dev.passage.capture.SkipReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class AuditRecordSchemaTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCHEMA = Path.of("..", "docs", "audit-record.schema.json");

  @Test
  void writtenRecordsMatchThePublishedSchema() throws IOException {
    SchemaCheck schema = schema();
    for (AuditRecord r : List.of(Records.full("full"), Records.minimal("minimal"), websocket())) {
      JsonNode line = JSON.readTree(AuditRecordJson.toLine(r));
      assertEquals(List.of(), schema.errors(line), r.id());
    }
  }

  @Test
  void theSchemaRejectsARecordWithAMissingOrWronglyTypedKey() throws IOException {
    SchemaCheck schema = schema();
    ObjectNode missing = (ObjectNode) JSON.readTree(AuditRecordJson.toLine(Records.full("r")));
    ((ObjectNode) missing.get("response")).remove("status");
    assertEquals(List.of("$.response: missing required 'status'"), schema.errors(missing));
    ObjectNode wrongType = (ObjectNode) JSON.readTree(AuditRecordJson.toLine(Records.full("r")));
    wrongType.put("duration_ms", "42");
    assertFalse(schema.errors(wrongType).isEmpty());
    ObjectNode extra = (ObjectNode) JSON.readTree(AuditRecordJson.toLine(Records.full("r")));
    extra.put("surprise", true);
    assertEquals(List.of("$.surprise: not allowed by the schema"), schema.errors(extra));
  }

  @Test
  void schemaEnumsListExactlyTheWireNames() throws IOException {
    JsonNode root = JSON.readTree(SCHEMA.toFile());
    assertEquals(Arrays.stream(Outcome.values()).map(Outcome::wireName).collect(Collectors.toList()),
        strings(root.at("/properties/outcome/enum")));
    List<String> skips = Arrays.stream(SkipReason.values()).map(SkipReason::wireName).collect(Collectors.toList());
    skips.add(null);
    assertEquals(skips, strings(root.at("/$defs/body/properties/skipped/enum")));
  }

  @Test
  void everyKeyTheWriterEmitsIsDocumented() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "audit-record.md"));
    JsonNode line = JSON.readTree(AuditRecordJson.toLine(Records.full("r")));
    List<String> keys = new ArrayList<>();
    line.fields().forEachRemaining(e -> {
      if (e.getValue().isObject() && !e.getKey().equals("headers")) {
        e.getValue().fieldNames().forEachRemaining(k -> keys.add(e.getKey() + "." + k));
      } else {
        keys.add(e.getKey());
      }
    });
    line.at("/response/body").fieldNames().forEachRemaining(k -> keys.add("body." + k));
    for (String key : keys) {
      assertTrue(doc.contains("`" + key + "`"), "docs/audit-record.md does not describe `" + key + "`");
    }
  }

  @Test
  void aChainedLineMatchesTheSchemaAndChainWithoutHashDoesNot() throws IOException {
    SchemaCheck schema = schema();
    byte[] line = new RecordChain("gw-1", ChainHead.fresh()).link(AuditRecordJson.toLine(Records.full("r")));
    com.fasterxml.jackson.databind.node.ObjectNode chained =
        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(line);
    assertEquals(List.of(), schema.errors(chained));
    ((com.fasterxml.jackson.databind.node.ObjectNode) chained.get("chain")).put("seq", 0);
    assertFalse(schema.errors(chained).isEmpty(), "seq starts at 1");
  }

  @Test
  void theDocumentedExampleLinesAreValidRecords() throws IOException {
    SchemaCheck schema = schema();
    String doc = Files.readString(Path.of("..", "docs", "audit-record.md"));
    int start = doc.indexOf("```jsonl\n") + "```jsonl\n".length();
    List<String> lines = doc.substring(start, doc.indexOf("```", start)).lines().collect(Collectors.toList());
    assertEquals(2, lines.size());
    for (String line : lines) {
      AuditRecord r = AuditRecordJson.fromLine(line);
      assertEquals(List.of(), schema.errors(JSON.readTree(line)), r.id());
      assertEquals(line + "\n", new String(AuditRecordJson.toLine(r), java.nio.charset.StandardCharsets.UTF_8),
          "the example is exactly what the writer emits");
    }
  }

  private static AuditRecord websocket() {
    AuditRecord f = Records.full("ws");
    RenderedBody in = new RenderedBody(1200, "ef".repeat(32), 0, false, null, null, null, "websocket");
    RenderedBody out = new RenderedBody(48000, "01".repeat(32), 0, false, null, null, null, "websocket");
    return new AuditRecord("ws", f.ts(), 60_000, "chat", f.clientIp(), "GET", "/chat", f.requestHeaders(), in,
        101, f.responseHeaders(), out, f.upstreamTarget(), 3L, Outcome.OK, null);
  }

  private static SchemaCheck schema() throws IOException {
    assertTrue(Files.exists(SCHEMA), "schema not found at " + SCHEMA.toAbsolutePath());
    return new SchemaCheck(JSON.readTree(SCHEMA.toFile()));
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.isNull() ? null : v.asText()));
    return values;
  }
}
