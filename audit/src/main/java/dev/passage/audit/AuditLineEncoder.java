package dev.passage.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.passage.capture.RenderedBody;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes {@link AuditRecord}s as JSON lines (docs/audit-record.md), every key always present (null
 * when empty) so that consumers see a stable schema. One encoder belongs to one thread, the audit
 * writer's: it keeps its generator and its output buffer from record to record, so a record costs
 * the one array it is returned in and no buffer growth. Not thread-safe.
 */
public final class AuditLineEncoder {

  // The streaming generator, not databind, so the writer thread pays no reflection.
  private static final JsonFactory FACTORY = new JsonFactory();
  /** A record larger than this leaves the buffer it needed behind, not in the encoder. */
  static final int RETAINED_BUFFER_BYTES = 256 * 1024;
  private static final int INITIAL_BUFFER_BYTES = 16 * 1024;

  private final Output out = new Output();
  private JsonGenerator generator;
  /** The second ({@code ts} up to the seconds) of the previous record, and its text. */
  private long tsSecond = Long.MIN_VALUE;
  private String tsPrefix;

  /** The record as UTF-8 JSON on one line, ending with {@code '\n'}. */
  public byte[] encode(AuditRecord r) {
    out.reset();
    try {
      JsonGenerator g = generator();
      write(g, r);
      g.flush();
    } catch (IOException | RuntimeException e) {
      // The generator's state is unknown after a failure part-way: start the next record afresh.
      generator = null;
      if (e instanceof IOException io) {
        // Not expected: the target is memory and Jackson escapes even lone surrogates.
        throw new UncheckedIOException("cannot serialise audit record " + r.id(), io);
      }
      throw (RuntimeException) e;
    }
    out.write('\n');
    byte[] line = out.toByteArray();
    out.shrink();
    return line;
  }

  private JsonGenerator generator() throws IOException {
    if (generator == null) {
      generator = FACTORY.createGenerator(out);
      generator.setRootValueSeparator(null); // the encoder writes the '\n' itself
    }
    return generator;
  }

  private void write(JsonGenerator g, AuditRecord r) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", r.id());
    g.writeStringField("request_id", r.requestId());
    g.writeStringField("ts", ts(r.ts()));
    g.writeNumberField("duration_ms", r.durationMs());
    g.writeStringField("route", r.route());
    g.writeObjectFieldStart("client");
    g.writeStringField("ip", r.clientIp());
    g.writeEndObject();
    g.writeObjectFieldStart("request");
    g.writeStringField("method", r.requestMethod());
    g.writeStringField("uri", r.requestUri());
    writeHeaders(g, r.requestHeaders());
    writeBody(g, r.requestBody());
    g.writeEndObject();
    g.writeObjectFieldStart("response");
    g.writeFieldName("status");
    writeNumberOrNull(g, r.responseStatus() == null ? null : r.responseStatus().longValue());
    writeHeaders(g, r.responseHeaders());
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
  }

  /** RFC 3339 UTC with milliseconds; records of one second share the formatted seconds. */
  private String ts(Instant ts) {
    long second = ts.getEpochSecond();
    if (second != tsSecond) {
      String full = AuditRecordJson.formatTs(Instant.ofEpochSecond(second));
      tsPrefix = full.substring(0, full.length() - "000Z".length());
      tsSecond = second;
    }
    int millis = ts.getNano() / 1_000_000;
    char[] tail = {(char) ('0' + millis / 100), (char) ('0' + millis / 10 % 10), (char) ('0' + millis % 10), 'Z'};
    return tsPrefix.concat(new String(tail));
  }

  private static void writeNumberOrNull(JsonGenerator g, Long value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else {
      g.writeNumber(value);
    }
  }

  private static void writeHeaders(JsonGenerator g, Map<String, List<String>> headers) throws IOException {
    g.writeFieldName("headers");
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
    g.writeFieldName("content");
    String content = b.content();
    if (content == null) {
      g.writeNull();
    } else {
      // Escaped from bytes, not from the String: a kept JSON body is full of quotes to escape, and
      // Jackson's String path does that char by char through String.charAt (a fifth of the writer's
      // samples on 16 KiB bodies); the byte path reads an array (RecordBenchmark.postExchange:
      // 5,092 -> 5,731 records/s). Same output for ASCII: the same characters are escaped.
      byte[] utf8 = content.getBytes(StandardCharsets.UTF_8);
      if (utf8.length == content.length()) {
        g.writeUTF8String(utf8, 0, utf8.length); // ASCII, the common case
      } else {
        g.writeString(content); // keeps Jackson's handling of anything beyond ASCII, lone surrogates included
      }
    }
    g.writeStringField("decoded_from", b.decodedFrom());
    g.writeStringField("skipped", b.skipped());
    g.writeEndObject();
  }

  /** A growable byte buffer that is reset, not reallocated, between records. */
  private static final class Output extends OutputStream {
    private byte[] buf = new byte[INITIAL_BUFFER_BYTES];
    private int count;

    void reset() {
      count = 0;
    }

    /** Gives back a buffer that one very large record grew beyond what the encoder keeps. */
    void shrink() {
      if (buf.length > RETAINED_BUFFER_BYTES) {
        buf = new byte[INITIAL_BUFFER_BYTES];
      }
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, count);
    }

    @Override
    public void write(int b) {
      ensure(1);
      buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }

    private void ensure(int more) {
      if (count + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
      }
    }
  }
}
