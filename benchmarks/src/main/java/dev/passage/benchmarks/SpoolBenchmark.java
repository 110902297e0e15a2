package dev.passage.benchmarks;

import dev.passage.audit.AuditPipeline;
import dev.passage.audit.AuditRecord;
import dev.passage.audit.AuditSink;
import dev.passage.audit.FsyncPolicy;
import dev.passage.audit.Outcome;
import dev.passage.audit.PendingRecord;
import dev.passage.audit.QueueFullPolicy;
import dev.passage.audit.SpoolFullPolicy;
import dev.passage.audit.SpoolSettings;
import dev.passage.capture.RenderedBody;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What {@code audit.delivery: sync} costs a response at the audit level: submit {@code records}
 * records at once (what that many event loops, or one loop's concurrent exchanges, hand over
 * together) and wait until every one is reported spooled. One operation is that whole group, so
 * the time per operation is the wait a response would add, and records / that time is the
 * spool's sustained rate. The spool is real (a temp directory on the machine's disk, fsync per
 * {@code fsync}); the sink discards, so delivery costs a read but no second write.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SpoolBenchmark {

  @Param({"batch", "none"})
  public String fsync;

  @Param({"1", "64"})
  public int records;

  private Path dir;
  private AuditPipeline pipeline;
  private final AuditRecord record = new AuditRecord("d9354c0b7a6a7ecfb5d60a762669c5c5",
      Instant.ofEpochMilli(1_796_000_000_000L), 2, "default", "127.0.0.1", "GET", "/json?size=1024",
      AuditRecord.headers(List.of(Map.entry("Host", "127.0.0.1:18081"), Map.entry("Accept", "*/*"))), null, 200,
      AuditRecord.headers(List.of(Map.entry("content-type", "application/json"))),
      new RenderedBody(1024, "ab".repeat(32), 1024, false, "utf8", "x".repeat(1024), null, null),
      "http://127.0.0.1:18080", 1L, Outcome.OK, null, null, "d9354c0b7a6a7ecfb5d60a762669c5c5");
  private final PendingRecord pending = new PendingRecord() {
    @Override
    public AuditRecord render() {
      return record;
    }

    @Override
    public void release() {}
  };

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("passage-spool-bench");
    pipeline = new AuditPipeline(List.of(new Discarding()), 10_000, 64L << 20, QueueFullPolicy.BLOCK,
        Duration.ofSeconds(1), new SpoolSettings(dir, 256L << 20, FsyncPolicy.fromWireName(fsync),
            Duration.ofSeconds(1), SpoolFullPolicy.FAIL_CLOSED));
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    pipeline.close(Duration.ofSeconds(30));
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Submit the group and wait until the spool has every record of it. */
  @Benchmark
  public void submitAndAwaitSpooled() throws InterruptedException {
    CountDownLatch spooled = new CountDownLatch(records);
    for (int i = 0; i < records; i++) {
      pipeline.submitAdmitted(pending, ok -> spooled.countDown());
    }
    spooled.await();
  }

  /** A sink that takes every line and keeps none: delivery reads the spool and acknowledges. */
  static final class Discarding implements AuditSink {
    @Override
    public String describe() {
      return "discarding sink";
    }

    @Override
    public void write(List<byte[]> lines) {}

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
