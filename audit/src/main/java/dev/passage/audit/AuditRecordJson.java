package dev.passage.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.capture.RenderedBody;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

  // Written with the streaming generator, not databind, so the writer thread pays no reflection.
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ObjectMapper READER = new ObjectMapper(FACTORY);
  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private AuditRecordJson() {}

  /** The record as UTF-8 JSON on one line, ending with {@code '\n'}. */
  public static byte[] toLine(AuditRecord r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("id", r.id());
      g.writeStringField("request_id", r.requestId());
      g.writeStringField("ts", TS.format(r.ts()));
      g.writeNumberField("duration_ms", r.durationMs());
      g.writeStringField("route", r.route());
      g.writeObjectFieldStart("client");
      g.writeStringField("ip", r.clientIp());
      g.writeEndObject();
      g.writeObjectFieldStart("request");
      g.writeStringField("method", r.requestMethod());
      g.writeStringField("uri", r.requestUri());
      writeHeaders(g, "headers", r.requestHeaders());
      writeBody(g, r.requestBody());
      g.writeEndObject();
      g.writeObjectFieldStart("response");
      g.writeFieldName("status");
      writeNumberOrNull(g, r.responseStatus() == null ? null : r.responseStatus().longValue());
      writeHeaders(g, "headers", r.responseHeaders());
      writeBody(g, r.responseBody());
      g.writeEndObject();
      g.writeObjectFieldStart("upstream");
      g.writeStringField("target", r.upstreamTarget());
      g.writeFieldName("ttfb_ms");
      writeNumberOrNull(g, r.upstreamTtfbMs());
      g.writeEndObject();
      g.writeStringField("outcome", r.outcome().wireName());
      g.writeStringField("error", r.error());
      g.writeStringField("reason", r.reason());
      g.writeEndObject();
    } catch (IOException e) {
      // Not expected: the target is memory and Jackson escapes even lone surrogates.
      throw new UncheckedIOException("cannot serialise audit record " + r.id(), e);
    }
    out.write('\n');
    return out.toByteArray();
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

  private static void writeNumberOrNull(JsonGenerator g, Long value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else {
      g.writeNumber(value);
    }
  }

  private static void writeHeaders(JsonGenerator g, String field, Map<String, List<String>> headers)
      throws IOException {
    g.writeFieldName(field);
    if (headers == null) {
      g.writeNull();
      return;
    }
    g.writeStartObject();
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      List<String> values = h.getValue();
      if (values.size() == 1) {
        g.writeStringField(h.getKey(), values.get(0));
      } else {
        g.writeArrayFieldStart(h.getKey());
        for (String v : values) {
          g.writeString(v);
        }
        g.writeEndArray();
      }
    }
    g.writeEndObject();
  }

  private static void writeBody(JsonGenerator g, RenderedBody b) throws IOException {
    g.writeFieldName("body");
    if (b == null) {
      g.writeNull();
      return;
    }
    g.writeStartObject();
    g.writeNumberField("bytes", b.bytes());
    g.writeStringField("sha256", b.sha256());
    g.writeNumberField("kept_bytes", b.keptBytes());
    g.writeBooleanField("truncated", b.truncated());
    g.writeStringField("encoding", b.encoding());
    g.writeStringField("content", b.content());
    g.writeStringField("decoded_from", b.decodedFrom());
    g.writeStringField("skipped", b.skipped());
    g.writeEndObject();
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
