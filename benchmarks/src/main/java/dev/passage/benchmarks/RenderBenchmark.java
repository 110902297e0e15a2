package dev.passage.benchmarks;

import dev.passage.capture.BodyRenderer;
import dev.passage.capture.BodyTee;
import dev.passage.capture.CaptureBudget;
import dev.passage.capture.RawCapture;
import dev.passage.capture.RedactionRules;
import dev.passage.capture.RenderedBody;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The audit writer's cost of turning a kept 64 KiB JSON body into a record body: streaming
 * redaction of the default secret fields plus UTF-8 validation. One operation is one body, so
 * MB/s = ops/s x 0.065536.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RenderBenchmark {

  static final int BODY_BYTES = 64 * 1024;

  private final BodyRenderer renderer = new BodyRenderer(RedactionRules.defaults(), BODY_BYTES);
  private RawCapture raw;
  private RawCapture catalog;

  @Setup
  public void captureBody() {
    byte[] json = json(BODY_BYTES);
    BodyTee tee = BodyTee.keeping(new CaptureBudget(BODY_BYTES), BODY_BYTES, json.length, "application/json", null);
    tee.accept(ByteBuffer.wrap(json));
    raw = tee.finish();
    if (raw.truncated() || raw.keptLength() != BODY_BYTES) {
      throw new IllegalStateException("benchmark body must be kept whole, got " + raw.keptLength());
    }
    byte[] small = catalog(1024);
    BodyTee smallTee = BodyTee.keeping(new CaptureBudget(BODY_BYTES), BODY_BYTES, small.length, "application/json", null);
    smallTee.accept(ByteBuffer.wrap(small));
    catalog = smallTee.finish();
  }

  /** The harness's small response: a 1 KiB JSON catalogue with no secret, recorded as it is. */
  @Benchmark
  public RenderedBody renderCleanJson1KiB() {
    return renderer.render(catalog);
  }

  /** Like ../shared/bench's GET /json: {"items":[{"id":0,"sku":"SKU-000000","price":10.00,"in_stock":false},...]}. */
  static byte[] catalog(int size) {
    StringBuilder out = new StringBuilder(size).append("{\"items\":[");
    for (int i = 0; out.length() < size - 80; i++) {
      out.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"sku\":\"SKU-")
          .append(String.format("%06d", i * 7919)).append("\",\"price\":").append(10 + i).append(".0")
          .append(i % 10).append(",\"in_stock\":").append(i % 3 != 0).append('}');
    }
    return out.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** (c) Redact and encode a 64 KiB JSON body with nested secrets. */
  @Benchmark
  public RenderedBody redactJson64KiB() {
    return renderer.render(raw);
  }

  /** A JSON array of user objects, each with a password and a nested token, padded to exactly {@code size} bytes. */
  static byte[] json(int size) {
    StringBuilder out = new StringBuilder(size).append('[');
    for (int i = 0; out.length() < size - 200; i++) {
      out.append(i == 0 ? "" : ",")
          .append("{\"id\":").append(i)
          .append(",\"name\":\"user-").append(i).append("\",\"email\":\"u").append(i).append("@example.com\"")
          .append(",\"password\":\"p4ss-").append(i).append("\",\"scores\":[1,2.5,").append(i).append("]")
          .append(",\"session\":{\"token\":\"tok-").append(i).append("\",\"active\":true}}");
    }
    out.append(",{\"pad\":\"");
    while (out.length() < size - 3) {
      out.append('x');
    }
    out.append("\"}]");
    return out.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
