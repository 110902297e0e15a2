package dev.passage.benchmarks;

import dev.passage.audit.AuditRecord;
import dev.passage.audit.AuditLineEncoder;
import dev.passage.audit.Outcome;
import dev.passage.capture.BodyRenderer;
import dev.passage.capture.BodyTee;
import dev.passage.capture.CaptureBudget;
import dev.passage.capture.RawCapture;
import dev.passage.capture.Redaction;
import dev.passage.capture.RedactionRules;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The audit writer's whole cost for one small exchange, the shape of the harness's {@code small}
 * scenario: a GET without a body answered with 1 KiB of JSON (no secrets in it), headers redacted
 * and grouped, both bodies rendered, the record encoded as one JSON line. One operation is one
 * record, so ops/s is how many such exchanges one core's writer can keep up with.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RecordBenchmark {

  private final RedactionRules rules = RedactionRules.defaults();
  private final Redaction redaction = new Redaction(rules);
  /** The writer thread keeps one encoder; so does each benchmark thread. */
  private final AuditLineEncoder encoder = new AuditLineEncoder();
  private final BodyRenderer renderer = new BodyRenderer(rules, 64 * 1024);
  private final List<Map.Entry<String, String>> requestHeaders = List.of(
      Map.entry("Host", "127.0.0.1:18081"), Map.entry("User-Agent", "wrk"), Map.entry("Accept", "*/*"),
      Map.entry("Authorization", "Bearer abc.def.ghi"));
  private final List<Map.Entry<String, String>> responseHeaders = List.of(
      Map.entry("content-length", "1024"), Map.entry("content-type", "application/json"),
      Map.entry("x-upstream-route", "json"), Map.entry("date", "Thu, 03 Dec 2026 15:14:15 GMT"),
      Map.entry("x-request-id", "d9354c0b7a6a7ecfb5d60a762669c5c5"));
  private RawCapture requestBody;
  private RawCapture responseBody;
  private RawCapture postBody;

  @Setup
  public void captureBodies() {
    requestBody = capture(new byte[0]);
    responseBody = capture(upstreamJson(1024));
    postBody = capture(RenderBenchmark.json(16 * 1024));
  }

  /** The harness's post: 16 KiB of JSON with password and token fields, sent and echoed back. */
  @Benchmark
  public byte[] postExchange() {
    AuditRecord r = new AuditRecord("d9354c0b7a6a7ecfb5d60a762669c5c5", Instant.ofEpochMilli(1_796_000_000_000L), 3,
        "default", "127.0.0.1", "POST", redaction.uri("/echo"),
        AuditRecord.headers(redacted(requestHeaders)), renderer.render(postBody), 200,
        AuditRecord.headers(redacted(responseHeaders)), renderer.render(postBody), "http://127.0.0.1:18080", 1L,
        Outcome.OK, null, null, "d9354c0b7a6a7ecfb5d60a762669c5c5");
    return encoder.encode(r);
  }

  /** Render and encode one record: what the writer thread does per exchange before the sink. */
  @Benchmark
  public byte[] smallExchange() {
    AuditRecord r = new AuditRecord("d9354c0b7a6a7ecfb5d60a762669c5c5", Instant.ofEpochMilli(1_796_000_000_000L), 2,
        "default", "127.0.0.1", "GET", redaction.uri("/json?size=1024"),
        AuditRecord.headers(redacted(requestHeaders)), renderer.render(requestBody), 200,
        AuditRecord.headers(redacted(responseHeaders)), renderer.render(responseBody), "http://127.0.0.1:18080", 1L,
        Outcome.OK, null, null, "d9354c0b7a6a7ecfb5d60a762669c5c5");
    return encoder.encode(r);
  }

  private List<Map.Entry<String, String>> redacted(List<Map.Entry<String, String>> headers) {
    List<Map.Entry<String, String>> out = new ArrayList<>(headers.size());
    for (Map.Entry<String, String> h : headers) {
      out.add(Map.entry(h.getKey(), redaction.headerValue(h.getKey(), h.getValue())));
    }
    return out;
  }

  private static RawCapture capture(byte[] body) {
    BodyTee tee = BodyTee.keeping(new CaptureBudget(1 << 20), 64 * 1024, body.length, "application/json", null);
    tee.accept(ByteBuffer.wrap(body));
    return tee.finish();
  }

  /** What the harness's upstream answers on /json?size=N: an object with an array of items, N bytes. */
  static byte[] upstreamJson(int size) {
    StringBuilder out = new StringBuilder(size).append("{\"items\":[");
    for (int i = 0; out.length() < size - 80; i++) {
      out.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"sku\":\"SKU-")
          .append(String.format("%06d", i * 7919)).append("\",\"price\":").append(10 + i).append('.')
          .append(String.format("%02d", i % 100)).append(",\"in_stock\":").append(i % 3 != 0).append('}');
    }
    out.append("],\"pad\":\"");
    while (out.length() < size - 2) {
      out.append('x');
    }
    out.append("\"}");
    return out.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
