package dev.passage.benchmarks;

import dev.passage.capture.BodyTee;
import dev.passage.capture.CaptureBudget;
import dev.passage.capture.RawCapture;
import dev.passage.capture.SkipReason;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The hot-path cost of watching a 1 MiB body that arrives as 16 KiB direct buffers, as Netty hands
 * them to the gateway. One operation is one whole body, so MB/s = ops/s x 1.048576.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TeeBenchmark {

  static final int CHUNK_BYTES = 16 * 1024;
  static final int BODY_BYTES = 1024 * 1024;

  private final ByteBuffer[] chunks = new ByteBuffer[BODY_BYTES / CHUNK_BYTES];
  private final CaptureBudget budget = new CaptureBudget(64L * 1024 * 1024);

  @Setup
  public void fillChunks() {
    Random random = new Random(7);
    byte[] bytes = new byte[CHUNK_BYTES];
    for (int i = 0; i < chunks.length; i++) {
      random.nextBytes(bytes);
      chunks[i] = ByteBuffer.allocateDirect(CHUNK_BYTES).put(bytes).flip();
    }
  }

  /** (a) A body the policy does not keep: byte count and SHA-256 only. */
  @Benchmark
  public RawCapture skipping() {
    BodyTee tee = BodyTee.skipping(SkipReason.CONTENT_TYPE, "application/octet-stream", null);
    for (ByteBuffer chunk : chunks) {
      tee.accept(chunk);
    }
    return tee.finish();
  }

  /** (b) A body of unknown length kept up to 64 KiB, then digested to its end. */
  @Benchmark
  public RawCapture keeping64KiBOf1MiB() {
    BodyTee tee = BodyTee.keeping(budget, 64 * 1024, -1, "application/json", null);
    for (ByteBuffer chunk : chunks) {
      tee.accept(chunk);
    }
    RawCapture raw = tee.finish();
    raw.releaseBudget();
    return raw;
  }
}
