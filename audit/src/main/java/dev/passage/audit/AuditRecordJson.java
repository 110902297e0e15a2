package dev.passage.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.capture.RenderedBody;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wire form of {@link AuditRecord}: one JSON object per line, every key always present (null when
 * empty) so that consumers see a stable schema (docs/audit-record.schema.json).
 */
public final class AuditRecordJson {

  private static final ObjectMapper READER = new ObjectMapper(new JsonFactory());
  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private AuditRecordJson() {}

  /**
   * The record as UTF-8 JSON on one line, ending with {@code '\n'}. The audit writer keeps one
   * {@link AuditLineEncoder} instead, which reuses its buffers from record to record.
   */
  public static byte[] toLine(AuditRecord r) {
    return new AuditLineEncoder().encode(r);
  }

  /** RFC 3339 UTC with milliseconds, as written in {@code ts}. */
  static String formatTs(Instant ts) {
    return TS.format(ts);
  }

  /** Parses one line written by {@link #toLine}; throws IllegalArgumentException saying what is wrong. */
  public static AuditRecord fromLine(String line) {
    JsonNode root;
    try {
      root = READER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    JsonNode client = object(root, "client");
    JsonNode request = object(root, "request");
    JsonNode response = object(root, "response");
    JsonNode upstream = object(root, "upstream");
    Long status = number(response, "status");
    try {
      return new AuditRecord(
          text(root, "id"),
          parseTs(text(root, "ts")),
          requiredNumber(root, "duration_ms"),
          text(root, "route"),
          text(client, "ip"),
          text(request, "method"),
          text(request, "uri"),
          headers(request.get("headers")),
          body(request.get("body")),
          status == null ? null : Math.toIntExact(status),
          headers(response.get("headers")),
          body(response.get("body")),
          text(upstream, "target"),
          number(upstream, "ttfb_ms"),
          Outcome.fromWireName(text(root, "outcome")),
          text(root, "error"),
          text(root, "reason"),
          text(root, "request_id"));
    } catch (NullPointerException | ArithmeticException e) {
      throw new IllegalArgumentException("invalid record: " + e.getMessage(), e);
    }
  }




  private static Instant parseTs(String ts) {
    if (ts == null) {
      throw new IllegalArgumentException("ts is missing");
    }
    try {
      return Instant.parse(ts);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("ts is not RFC 3339: " + ts, e);
    }
  }

  private static JsonNode object(JsonNode parent, String field) {
    JsonNode n = parent.get(field);
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("'" + field + "' must be an object");
    }
    return n;
  }

  private static String text(JsonNode parent, String field) {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw new IllegalArgumentException("'" + field + "' must be a string, got " + n.getNodeType());
    }
    return n.textValue();
  }

  private static Long number(JsonNode parent, String field) {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isIntegralNumber()) {
      throw new IllegalArgumentException("'" + field + "' must be an integer, got " + n.getNodeType());
    }
    return n.longValue();
  }

  private static long requiredNumber(JsonNode parent, String field) {
    Long n = number(parent, field);
    if (n == null) {
      throw new IllegalArgumentException("'" + field + "' is missing");
    }
    return n;
  }

  private static boolean bool(JsonNode parent, String field) {
    JsonNode n = parent.get(field);
    if (n == null || !n.isBoolean()) {
      throw new IllegalArgumentException("'" + field + "' must be a boolean");
    }
    return n.booleanValue();
  }

  private static Map<String, List<String>> headers(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw new IllegalArgumentException("headers must be an object");
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    n.fields()
        .forEachRemaining(
            e -> {
              JsonNode v = e.getValue();
              List<String> values = new ArrayList<>();
              if (v.isTextual()) {
                values.add(v.textValue());
              } else if (v.isArray()) {
                for (JsonNode item : v) {
                  if (!item.isTextual()) {
                    throw new IllegalArgumentException("header '" + e.getKey() + "' has a non-string value");
                  }
                  values.add(item.textValue());
                }
              } else {
                throw new IllegalArgumentException("header '" + e.getKey() + "' must be a string or array");
              }
              headers.put(e.getKey(), values);
            });
    return headers;
  }

  private static RenderedBody body(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw new IllegalArgumentException("body must be an object or null");
    }
    return new RenderedBody(
        requiredNumber(n, "bytes"),
        text(n, "sha256"),
        requiredNumber(n, "kept_bytes"),
        bool(n, "truncated"),
        text(n, "encoding"),
        text(n, "content"),
        text(n, "decoded_from"),
        text(n, "skipped"));
  }
}
