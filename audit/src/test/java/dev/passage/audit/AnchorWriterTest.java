package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The anchor has its own thread and a bounded queue: a delivery handing it checkpoints never waits,
 * however long the anchor is down, and when the queue overflows the oldest checkpoints go (counted),
 * so the anchor still gets the newest, which attests the most.
 */
class AnchorWriterTest {

  /** An anchor that fails while {@code down}, and blocks in append until {@code release} while {@code hang}. */
  static final class StubAnchor implements CheckpointAnchor {
    volatile boolean down;
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean hang;
    final List<String> stored = new ArrayList<>();
    volatile boolean closed;

    @Override
    public String describe() {
      return "stub anchor";
    }

    @Override
    public void append(List<byte[]> checkpoints) throws IOException {
      if (hang) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted");
        }
      }
      if (down) {
        throw new IOException("broker down");
      }
      synchronized (stored) {
        checkpoints.forEach(c -> stored.add(new String(c, StandardCharsets.US_ASCII).strip()));
      }
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private static List<byte[]> lines(int from, int to) {
    List<byte[]> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(("cp" + i + "\n").getBytes(StandardCharsets.US_ASCII));
    }
    return out;
  }

  @Test
  void anAnchorThatHangsNeverMakesTheSinksWaitAndTheNewestCheckpointsSurviveAnOverflow() throws Exception {
    StubAnchor stub = new StubAnchor();
    stub.hang = true;
    AnchorWriter w = new AnchorWriter(stub, 4);
    w.start();
    w.offer(lines(1, 1)); // taken by the anchor thread, which now hangs in append
    awaitTrue(() -> w.queued() == 0);
    long start = System.nanoTime();
    for (int i = 2; i <= 11; i++) {
      w.offer(lines(i, i));
    }
    assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(500), "offer never waits for the anchor");
    assertEquals(4, w.queued(), "bounded");
    assertEquals(6, w.dropped(), "the oldest went, counted");
    stub.hang = false;
    stub.release.countDown();
    awaitTrue(() -> w.queued() == 0 && stub.stored.size() == 5);
    assertEquals(List.of("cp1", "cp8", "cp9", "cp10", "cp11"), stub.stored, "the newest reach the anchor, in order");
    w.close(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
    assertTrue(stub.closed);
  }

  @Test
  void aFailingAnchorIsRetriedWithTheSameCheckpointsAndReportsSinceWhenItFails() throws Exception {
    StubAnchor stub = new StubAnchor();
    stub.down = true;
    AnchorWriter w = new AnchorWriter(stub, 16);
    w.start();
    w.offer(lines(1, 2));
    awaitTrue(() -> w.errors() >= 2);
    assertTrue(w.failingSinceMillis() > 0);
    w.offer(lines(3, 3));
    stub.down = false;
    awaitTrue(() -> stub.stored.size() == 3);
    assertEquals(List.of("cp1", "cp2", "cp3"), stub.stored);
    assertEquals(0, w.failingSinceMillis(), "recovered");
    assertEquals(0, w.dropped());
    w.close(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
  }

  @Test
  void closeGivesUpOnAnAnchorThatStaysDownAtTheDeadline() {
    StubAnchor stub = new StubAnchor();
    stub.down = true;
    AnchorWriter w = new AnchorWriter(stub, 16);
    w.start();
    w.offer(lines(1, 1));
    long start = System.nanoTime();
    w.close(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300));
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(6), "bounded by the deadline");
    assertEquals(1, w.queued(), "left unappended (it is in its sink)");
    assertTrue(stub.closed);
    assertThrows(IllegalArgumentException.class, () -> new AnchorWriter(stub, 0));
  }

  private static void awaitTrue(java.util.function.BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!c.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(5);
    }
  }
}
