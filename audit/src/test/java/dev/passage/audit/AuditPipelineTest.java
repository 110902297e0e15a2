package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditPipelineTest {

  private static final Duration SECOND = Duration.ofSeconds(1);

  @TempDir Path dir;

  @Test
  void blockPolicyLosesNoRecordWithASlowSink() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.slow(file, 3)), 16, QueueFullPolicy.BLOCK, SECOND);
    int producers = 6;
    int perProducer = 200;
    ConcurrentLinkedQueue<TestRecord> submitted = new ConcurrentLinkedQueue<>();
    AtomicInteger overCapacity = new AtomicInteger();
    AtomicInteger waits = new AtomicInteger();
    List<Runnable> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int producer = p;
      threads.add(() -> {
        for (int i = 0; i < perProducer; i++) {
          // What an event loop does: never wait on the pipeline, ask to be called back instead.
          while (!pipeline.tryReserve()) {
            waits.incrementAndGet();
            CountDownLatch slotFree = new CountDownLatch(1);
            pipeline.whenSlotFree(slotFree::countDown);
            await(slotFree);
          }
          if (pipeline.slotsInUse() > pipeline.capacity()) {
            overCapacity.incrementAndGet();
          }
          TestRecord r = TestRecord.ok("p" + producer + "-" + i);
          submitted.add(r);
          assertTrue(pipeline.submit(r), "a reserved record is always accepted");
        }
      });
    }
    runConcurrently(threads);
    pipeline.close(Duration.ofSeconds(30));

    assertEquals(producers * perProducer, submitted.size());
    assertEquals(producers * perProducer, pipeline.written());
    assertEquals(0, pipeline.dropped());
    assertEquals(0, overCapacity.get(), "reserved + queued exceeded the capacity");
    assertTrue(waits.get() > 0, "the sink was slow enough that producers had to wait");
    List<String> ids = TestSinks.ids(file);
    assertEquals(producers * perProducer, new HashSet<>(ids).size());
    assertEquals(ids.size(), new HashSet<>(ids).size(), "no duplicate lines");
    submitted.forEach(r -> assertEquals(1, r.releases.get(), r.id));
  }

  @Test
  void dropPolicyCountsExactlyTheMissingRecords() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.slow(file, 10)), 8, QueueFullPolicy.DROP, SECOND);
    ConcurrentLinkedQueue<TestRecord> accepted = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<TestRecord> all = new ConcurrentLinkedQueue<>();
    List<Runnable> threads = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      int producer = p;
      threads.add(() -> {
        for (int i = 0; i < 150; i++) {
          assertTrue(pipeline.tryReserve(), "drop mode never makes a caller wait");
          TestRecord r = TestRecord.ok("p" + producer + "-" + i);
          all.add(r);
          if (pipeline.submit(r)) {
            accepted.add(r);
          }
        }
      });
    }
    runConcurrently(threads);
    pipeline.close(Duration.ofSeconds(30));

    assertEquals(600, pipeline.written() + pipeline.dropped());
    assertTrue(pipeline.dropped() > 0, "a queue of 8 in front of a slow sink must overflow");
    assertEquals(accepted.size(), pipeline.written());
    List<String> ids = TestSinks.ids(file);
    assertEquals(pipeline.written(), ids.size());
    Set<String> acceptedIds = new HashSet<>();
    accepted.forEach(r -> acceptedIds.add(r.id));
    assertEquals(acceptedIds, new HashSet<>(ids));
    all.forEach(r -> assertEquals(1, r.releases.get(), r.id));
    assertEquals(0, pipeline.reserved());
  }

  @Test
  void failingSinkIsRetriedNotDropped() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.failingFirst(file, 3)), 100, QueueFullPolicy.DROP, SECOND);
    List<TestRecord> records = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      TestRecord r = TestRecord.ok("r" + i);
      records.add(r);
      assertTrue(pipeline.submit(r));
    }
    assertTrue(eventually(() -> !pipeline.isAccepting(), 2_000), "readiness must report the failing sink");
    assertTrue(eventually(() -> pipeline.written() == 10, 5_000), "written " + pipeline.written());
    assertTrue(pipeline.isAccepting(), "accepting again once a write succeeded");
    assertEquals(3, pipeline.sinkErrors());
    assertEquals(0, pipeline.dropped());
    pipeline.close(Duration.ofSeconds(5));
    assertEquals(10, TestSinks.ids(file).size());
    assertEquals(10, new HashSet<>(TestSinks.ids(file)).size());
    records.forEach(r -> assertEquals(1, r.releases.get()));
  }

  @Test
  void linesASinkTookButNeverStoredAreNotCountedWrittenAndAreCountedDroppedAtClose() throws Exception {
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.neverStores()), 10, QueueFullPolicy.BLOCK, SECOND);
    for (int i = 0; i < 3; i++) {
      assertTrue(pipeline.tryReserve());
      assertTrue(pipeline.submit(TestRecord.ok("r" + i)));
    }
    assertTrue(eventually(() -> pipeline.sinkErrors() >= 2, 5_000), "the flush keeps failing");
    assertEquals(0, pipeline.written(), "taken into a sink's buffer is not written");
    assertEquals(0, pipeline.dropped());
    assertFalse(pipeline.isAccepting());
    pipeline.close(Duration.ofMillis(300));
    assertTrue(eventually(() -> pipeline.dropped() == 3, 5_000), "dropped " + pipeline.dropped());
    assertEquals(0, pipeline.written());
  }

  @Test
  void aFailingSinkMakesBlockCallersWaitInsteadOfLosingRecords() throws Exception {
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.broken()), 4, QueueFullPolicy.BLOCK, SECOND);
    List<TestRecord> records = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      assertTrue(pipeline.tryReserve());
      TestRecord r = TestRecord.ok("r" + i);
      records.add(r);
      assertTrue(pipeline.submit(r));
    }
    assertFalse(pipeline.tryReserve(), "every slot is held by a record the sink has not taken");
    assertTrue(eventually(() -> pipeline.sinkErrors() >= 2, 2_000));
    assertEquals(0, pipeline.dropped());
    assertEquals(4, pipeline.queued());
    records.forEach(r -> assertEquals(0, r.releases.get(), "not released before written"));
    pipeline.close(Duration.ofMillis(300));
    assertTrue(eventually(() -> pipeline.dropped() == 4, 5_000), "given up records are counted");
    records.forEach(r -> assertEquals(1, r.releases.get()));
  }

  @Test
  void admittedRecordsAreNeverLostAndNewAdmissionsWaitUntilTheQueueHasRoomAgain() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    CountDownLatch gate = new CountDownLatch(1);
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.gated(file, gate)), 2, QueueFullPolicy.BLOCK, SECOND);
    // Five exchanges were let in while there was room; all end while the writer is held.
    assertTrue(pipeline.hasRoom());
    for (int i = 0; i < 5; i++) {
      assertTrue(pipeline.submitAdmitted(TestRecord.ok("a" + i)), "an admitted exchange's record is always taken");
    }
    assertEquals(0, pipeline.dropped());
    assertFalse(pipeline.hasRoom(), "past capacity: new exchanges wait");
    gate.countDown();
    assertTrue(eventually(() -> pipeline.written() == 5, 5_000), "written " + pipeline.written());
    assertTrue(eventually(pipeline::hasRoom, 2_000));
    assertEquals(0, pipeline.slotsInUse());
    pipeline.close(SECOND);
    assertEquals(List.of("a0", "a1", "a2", "a3", "a4"), TestSinks.ids(file));
  }

  @Test
  void theQueueIsBoundedByTheHeapItsRecordsHoldNotOnlyByTheirCount() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    CountDownLatch gate = new CountDownLatch(1);
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.gated(file, gate)), 1000, 250_000L,
        QueueFullPolicy.BLOCK, SECOND);
    // The writer holds the first; the next three (200 KB each, as a record with 16 KiB of tiny
    // headers weighs) pass the byte bound long before the count bound.
    assertTrue(pipeline.submitAdmitted(TestRecord.weighing("w0", 200_000)));
    assertTrue(eventually(() -> pipeline.queuedBytes() == 200_000 || pipeline.queued() == 1, 2_000));
    assertTrue(pipeline.submitAdmitted(TestRecord.weighing("w1", 200_000)));
    assertFalse(pipeline.hasRoom(), "400 KB waiting against a 250 KB bound: " + pipeline.queuedBytes());
    gate.countDown();
    assertTrue(eventually(() -> pipeline.written() == 2, 5_000));
    assertTrue(eventually(pipeline::hasRoom, 2_000));
    assertEquals(0, pipeline.queuedBytes());
    pipeline.close(SECOND);

    AuditPipeline dropping = new AuditPipeline(List.of(TestSinks.gated(dir.resolve("d.jsonl"), new CountDownLatch(1))),
        1000, 250_000L, QueueFullPolicy.DROP, SECOND);
    assertTrue(dropping.submit(TestRecord.weighing("d0", 200_000)));
    assertTrue(eventually(() -> dropping.queued() == 1, 2_000));
    assertTrue(dropping.submit(TestRecord.weighing("d1", 40_000)));
    assertFalse(dropping.submit(TestRecord.weighing("d2", 200_000)), "past the byte bound: dropped and counted");
    assertEquals(1, dropping.dropped());
    dropping.close(Duration.ofMillis(300));
  }

  @Test
  void releaseIsCalledExactlyOnceOnEveryPath() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    CountDownLatch gate = new CountDownLatch(1);
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.gated(file, gate)), 3, QueueFullPolicy.DROP, SECOND);
    TestRecord written = TestRecord.ok("written");
    TestRecord renderFailsWithFallback = TestRecord.failingRender("fallback", true);
    TestRecord renderFailsWithout = TestRecord.failingRender("lost", false);
    TestRecord overflow = TestRecord.ok("overflow");
    assertTrue(pipeline.submit(written));
    assertTrue(pipeline.submit(renderFailsWithFallback));
    assertTrue(pipeline.submit(renderFailsWithout));
    assertFalse(pipeline.submit(overflow), "three slots, all held while the sink is stuck");
    assertEquals(1, overflow.releases.get(), "a dropped record is released at once");
    gate.countDown();
    pipeline.close(Duration.ofSeconds(5));
    TestRecord afterClose = TestRecord.ok("after-close");
    assertFalse(pipeline.submit(afterClose));

    for (TestRecord r : List.of(written, renderFailsWithFallback, renderFailsWithout, overflow, afterClose)) {
      assertEquals(1, r.releases.get(), r.id);
    }
    assertEquals(2, pipeline.renderErrors());
    assertEquals(2, pipeline.written());
    assertEquals(3, pipeline.dropped());
    List<String> ids = TestSinks.ids(file);
    assertEquals(List.of("written", "fallback"), ids.subList(ids.size() - 2, ids.size()));
    assertEquals(2, ids.size());
  }

  @Test
  void recordsAreFlushedWithinOneSecond() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    AuditPipeline pipeline = new AuditPipeline(
        List.of(new JsonlFileSink(file, 1 << 20, 1)), 100, QueueFullPolicy.DROP, SECOND);
    for (int round = 0; round < 2; round++) {
      long start = System.nanoTime();
      pipeline.submit(TestRecord.ok("r" + round));
      int expected = round + 1;
      assertTrue(eventually(() -> lines(file) == expected, 3_000));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(tookMs <= 1_500, "line became visible after " + tookMs + " ms"); // 1 s interval + scheduling slack
      Thread.sleep(1_200); // the second round starts from an idle writer
    }
    pipeline.close(SECOND);
  }

  @Test
  void closeWritesEveryQueuedRecord() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.slow(file, 20)), 2_000, QueueFullPolicy.BLOCK, Duration.ofMinutes(1));
    for (int i = 0; i < 2_000; i++) {
      assertTrue(pipeline.tryReserve());
      assertTrue(pipeline.submit(TestRecord.ok("r" + i)));
    }
    assertTrue(pipeline.queued() > 0, "records are still queued when close starts");
    pipeline.close(Duration.ofSeconds(30));
    assertEquals(2_000, TestSinks.ids(file).size(), "close wrote and flushed everything");
    assertEquals(2_000, pipeline.written());
    assertFalse(pipeline.isAccepting());
    assertFalse(writerThreadAlive(), "the writer thread ended");
    pipeline.close(SECOND); // a second close is harmless
  }

  @Test
  void whenSlotFreeCallsBackOnTheWriterThread() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.gated(dir.resolve("a.jsonl"), gate)), 1, QueueFullPolicy.BLOCK, SECOND);
    assertTrue(pipeline.tryReserve());
    assertFalse(pipeline.tryReserve());
    AtomicReference<String> calledOn = new AtomicReference<>();
    CountDownLatch called = new CountDownLatch(1);
    pipeline.whenSlotFree(() -> {
      calledOn.set(Thread.currentThread().getName());
      called.countDown();
    });
    assertFalse(called.await(100, TimeUnit.MILLISECONDS), "no slot is free yet");
    pipeline.cancelReservation();
    assertTrue(called.await(5, TimeUnit.SECONDS));
    assertEquals("passage-audit-writer", calledOn.get());
    assertTrue(pipeline.tryReserve());
    pipeline.cancelReservation();
    assertThrows(IllegalStateException.class, pipeline::cancelReservation);
    gate.countDown();
    pipeline.close(SECOND);
  }

  @Test
  void settingsAreCheckedAtConstruction() {
    AuditSink sink = TestSinks.broken();
    assertThrows(IllegalArgumentException.class, () -> new AuditPipeline(List.of(sink), 0, QueueFullPolicy.BLOCK, SECOND));
    assertThrows(IllegalArgumentException.class, () -> new AuditPipeline(List.of(), 10, QueueFullPolicy.BLOCK, SECOND));
    assertThrows(IllegalArgumentException.class, () -> new AuditPipeline(List.of(sink), 10, QueueFullPolicy.DROP, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> QueueFullPolicy.fromWireName("wait"));
    assertEquals(QueueFullPolicy.BLOCK, QueueFullPolicy.fromWireName("block"));
  }

  /** Runs each producer on its own thread and fails if any of them failed. */
  private static void runConcurrently(List<Runnable> producers) throws InterruptedException {
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    for (Runnable producer : producers) {
      Thread t = new Thread(() -> {
        try {
          producer.run();
        } catch (Throwable e) {
          failures.add(e);
        }
      }, "producer-" + threads.size());
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join(60_000);
      assertFalse(t.isAlive(), t.getName() + " is stuck");
    }
    if (!failures.isEmpty()) {
      AssertionError e = new AssertionError(failures.size() + " producers failed");
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }

  private static boolean writerThreadAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("passage-audit-writer") && t.isAlive());
  }

  private static long lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static boolean eventually(BooleanSupplier condition, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(10);
    }
    return condition.getAsBoolean();
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(10, TimeUnit.SECONDS), "whenSlotFree never called back");
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
