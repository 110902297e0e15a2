package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline with a spool: real files, the real writer and delivery threads. */
class SpoolPipelineTest {

  private static final Duration FLUSH = Duration.ofMillis(100);

  @TempDir Path dir;

  static SpoolSettings spool(Path dir, long maxBytes, SpoolFullPolicy onFull) {
    return new SpoolSettings(dir, maxBytes, FsyncPolicy.BATCH, Duration.ofSeconds(1), onFull);
  }

  static AuditPipeline pipeline(List<AuditSink> sinks, SpoolSettings spool) {
    return new AuditPipeline(sinks, 1000, 64L << 20, QueueFullPolicy.BLOCK, FLUSH, spool);
  }

  static Set<String> ids(int from, int to) {
    Set<String> out = new HashSet<>();
    for (int i = from; i < to; i++) {
      out.add("r" + i);
    }
    return out;
  }

  static void submit(AuditPipeline p, int from, int to) {
    for (int i = from; i < to; i++) {
      assertTrue(p.submitAdmitted(TestRecord.ok("r" + i)));
    }
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.sleep(10);
    }
  }

  static Set<String> idSet(Path file) throws Exception {
    return new HashSet<>(TestSinks.ids(file));
  }

  static long segments(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(SpoolSegment.SUFFIX)).count();
    }
  }

  @Test
  void aSinkThatFailsForAWhileGetsEveryRecordWhileTheOtherKeepsReceiving() throws Exception {
    Path good = dir.resolve("good.jsonl");
    Path flaky = dir.resolve("flaky.jsonl");
    SwitchableSink flakySink = new SwitchableSink(flaky);
    flakySink.down = true;
    AuditPipeline p = pipeline(List.of(new JsonlFileSink(good, 64L << 20, 1), flakySink),
        spool(dir.resolve("spool"), 8L << 20, SpoolFullPolicy.FAIL_CLOSED));
    submit(p, 0, 300);
    await(() -> {
      try {
        return idSet(good).size() == 300;
      } catch (Exception e) {
        return false;
      }
    }, "the healthy sink has every record while the other is down");
    assertEquals(Set.of(), idSet(flaky));
    assertEquals(300, p.spooled());
    assertEquals(0, p.written(), "written means: every sink has it");
    assertTrue(p.sinkErrors() > 0);
    assertFalse(p.sinksHealthy());
    assertTrue(p.isAccepting(), "a failing sink does not stop admission: the spool holds its records");
    assertTrue(p.spool().oldestUnacknowledgedAgeMillis() > 0);

    flakySink.down = false;
    submit(p, 300, 400);
    await(() -> p.written() == 400, "every record reaches the recovered sink");
    assertEquals(ids(0, 400), idSet(flaky));
    assertEquals(ids(0, 400), idSet(good));
    assertEquals(TestSinks.ids(flaky).size(), 400, "no duplicates without a restart");
    await(() -> p.spool().oldestUnacknowledgedAgeMillis() == 0, "nothing left unacknowledged");
    assertEquals(0, p.dropped());
    p.close(Duration.ofSeconds(10));
  }

  @Test
  void recordsASinkDidNotAcknowledgeBeforeAStopAreDeliveredAfterTheNextStart() throws Exception {
    Path spoolDir = dir.resolve("spool");
    Path flaky = dir.resolve("flaky.jsonl");
    SwitchableSink sink = new SwitchableSink(flaky);
    sink.down = true;
    AuditPipeline first = pipeline(List.of(sink), spool(spoolDir, 8L << 20, SpoolFullPolicy.FAIL_CLOSED));
    submit(first, 0, 200);
    await(() -> first.spooled() == 200, "spooled");
    first.close(Duration.ofMillis(500)); // the sink is still down: the spool keeps everything
    assertEquals(0, first.dropped(), "nothing is dropped for a sink that is down: it is in the spool");
    assertTrue(segments(spoolDir) >= 1);

    SwitchableSink again = new SwitchableSink(flaky); // same description, so the same cursor
    AuditPipeline second = pipeline(List.of(again), spool(spoolDir, 8L << 20, SpoolFullPolicy.FAIL_CLOSED));
    submit(second, 200, 250);
    await(() -> second.written() == 50, "this run's records are delivered");
    await(() -> second.spool().replayedRecords() == 200, "and the earlier run's are replayed");
    assertEquals(ids(0, 250), idSet(flaky));
    second.close(Duration.ofSeconds(10));
  }

  @Test
  void aFullSpoolFailClosedHoldsRecordsAndRefusesExchangesUntilASinkFreesSpace() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    SwitchableSink sink = new SwitchableSink(file);
    sink.down = true;
    AuditPipeline p = pipeline(List.of(sink), spool(dir.resolve("spool"), 1 << 20, SpoolFullPolicy.FAIL_CLOSED));
    // Each record is about 1 KiB as a line: 1500 do not fit into 1 MiB.
    submit(p, 0, 1500);
    await(p::refusesExchanges, "the spool is full");
    assertFalse(p.isAccepting());
    assertTrue(p.spool().bytes() <= p.spool().maxBytes());
    assertTrue(p.queued() > 0, "records that did not fit wait in memory, not lost");
    assertEquals(0, p.dropped());
    assertTrue(p.spool().problem().contains("full"), p.spool().problem());

    sink.down = false;
    await(() -> p.written() == 1500, "every record delivered once space freed");
    assertFalse(p.refusesExchanges());
    assertEquals(ids(0, 1500), idSet(file));
    assertEquals(0, p.dropped());
    p.close(Duration.ofSeconds(10));
  }

  @Test
  void aFullSpoolFailOpenLosesRecordsCountedAndKeepsAdmitting() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    SwitchableSink sink = new SwitchableSink(file);
    sink.down = true;
    AuditPipeline p = pipeline(List.of(sink), spool(dir.resolve("spool"), 1 << 20, SpoolFullPolicy.FAIL_OPEN));
    submit(p, 0, 1500);
    await(() -> p.spooled() + p.dropped() == 1500, "every record settled");
    assertTrue(p.dropped() > 0);
    assertEquals(p.dropped(), p.spool().lostRecords(), "each lost record is counted as lost");
    assertFalse(p.refusesExchanges(), "fail_open never refuses exchanges");
    assertTrue(p.isAccepting());

    sink.down = false;
    await(() -> p.written() == p.spooled(), "what was spooled is delivered");
    assertEquals(p.spooled(), idSet(file).size());
    long before = p.spooled();
    submit(p, 1500, 1510);
    await(() -> p.spooled() == before + 10, "the spool takes records again");
    await(() -> p.written() == p.spooled(), "and they are delivered");
    assertTrue(idSet(file).containsAll(ids(1500, 1510)));
    p.close(Duration.ofSeconds(10));
  }

  @Test
  void aSubmitterWaitingForTheSpoolIsToldOnceTheRecordIsInTheSegmentFile() throws Exception {
    Path spoolDir = dir.resolve("spool");
    Path file = dir.resolve("audit.jsonl");
    SwitchableSink sink = new SwitchableSink(file);
    sink.down = true; // delivery plays no part: the callback is about the spool
    AuditPipeline p = pipeline(List.of(sink), spool(spoolDir, 1 << 20, SpoolFullPolicy.FAIL_CLOSED));
    int n = 50;
    CountDownLatch settled = new CountDownLatch(n);
    ConcurrentLinkedQueue<String> inFileWhenTold = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Boolean> outcomes = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < n; i++) {
      String id = "w" + i;
      p.submitAdmitted(TestRecord.ok(id), spooled -> {
        outcomes.add(spooled);
        try {
          if (segmentText(spoolDir).contains("\"id\":\"" + id + "\"")) {
            inFileWhenTold.add(id);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        settled.countDown();
      });
    }
    assertTrue(settled.await(20, TimeUnit.SECONDS));
    assertEquals(n, inFileWhenTold.size(), "each callback ran after its record was in the segment file");
    assertTrue(outcomes.stream().allMatch(b -> b));

    // Full and fail_closed: the callback waits for space rather than ever saying no.
    submit(p, 0, 1500);
    await(p::refusesExchanges, "full");
    CountDownLatch late = new CountDownLatch(1);
    boolean[] lateOutcome = new boolean[1];
    p.submitAdmitted(TestRecord.ok("late"), spooled -> {
      lateOutcome[0] = spooled;
      late.countDown();
    });
    assertFalse(late.await(300, TimeUnit.MILLISECONDS), "no callback while the spool is full");
    sink.down = false;
    assertTrue(late.await(20, TimeUnit.SECONDS), "told once space freed");
    assertTrue(lateOutcome[0]);
    p.close(Duration.ofSeconds(10));

    boolean[] closedOutcome = {true};
    assertFalse(p.submitAdmitted(TestRecord.ok("after-close"), spooled -> closedOutcome[0] = spooled));
    assertFalse(closedOutcome[0], "after close the callback says no, at once");
  }

  static String segmentText(Path spoolDir) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> s = Files.list(spoolDir)) {
      for (Path f : s.filter(p -> p.toString().endsWith(SpoolSegment.SUFFIX)).sorted().toList()) {
        out.append(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    return out.toString();
  }
}
