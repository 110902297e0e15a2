package dev.passage.audit;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The anchor's own thread, {@code passage-audit-anchor}: sinks' deliveries hand it the checkpoints
 * their sink stored ({@link #offer}, which never blocks) and it appends them to the {@link
 * CheckpointAnchor}, retrying a failure with backoff (100 ms doubling to 5 s). A delivery therefore
 * never waits for the anchor: a Kafka anchor whose brokers are down stalls nothing but this thread.
 *
 * <p>The queue is bounded ({@code capacity} checkpoints). Only the newest checkpoint of a stream
 * matters for catching a cut tail (each one attests everything before it), so when an outage fills
 * it the oldest are dropped, counted in {@link #dropped()}, and the anchor still gets the newest.
 */
final class AnchorWriter implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(AnchorWriter.class);
  /** Checkpoints waiting for the anchor, at most: at one per 10,000 records, 10 million records of lag. */
  static final int DEFAULT_CAPACITY = 1024;

  private final CheckpointAnchor anchor;
  private final int capacity;
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final RecurringFailureLog failures;
  private final AtomicLong stored = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final Thread thread;
  private boolean closing;
  /** Since when appends fail, or 0. */
  private volatile long failingSinceMillis;

  AnchorWriter(CheckpointAnchor anchor, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("anchor queue must hold >= 1 checkpoint, got " + capacity);
    }
    this.anchor = anchor;
    this.capacity = capacity;
    this.failures = new RecurringFailureLog(LOG, anchor.describe() + ": appending checkpoints",
        TimeUnit.SECONDS.toNanos(10));
    this.thread = new Thread(this, "passage-audit-anchor");
    this.thread.setDaemon(true); // close() drains it; a JVM that exits without close loses only anchor copies
  }

  void start() {
    thread.start();
  }

  /** Queues checkpoint lines a sink stored; drops the oldest queued ones past the capacity (counted). */
  void offer(List<byte[]> checkpoints) {
    lock.lock();
    try {
      queue.addAll(checkpoints);
      trim();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void trim() {
    while (queue.size() > capacity) {
      queue.removeFirst();
      dropped.incrementAndGet();
    }
  }

  @Override
  public void run() {
    long backoffMs = BatchWriter.FIRST_BACKOFF_MS;
    try {
      while (true) {
        List<byte[]> batch = next();
        if (batch == null) {
          return;
        }
        try {
          anchor.append(batch);
          stored.addAndGet(batch.size());
          failingSinceMillis = 0;
          failures.succeeded();
          backoffMs = BatchWriter.FIRST_BACKOFF_MS;
        } catch (IOException | RuntimeException e) {
          errors.incrementAndGet();
          if (failingSinceMillis == 0) {
            failingSinceMillis = System.currentTimeMillis();
          }
          failures.failed("retried in up to " + BatchWriter.MAX_BACKOFF_MS + " ms; sinks' delivery goes on, and the "
              + "oldest checkpoints are dropped past " + capacity + " waiting", e);
          putBack(batch);
          if (Thread.currentThread().isInterrupted()) {
            return;
          }
          Thread.sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, BatchWriter.MAX_BACKOFF_MS);
        }
      }
    } catch (InterruptedException e) {
      // close() gave up waiting.
    }
  }

  /** Everything queued, or null once closing and nothing is left. */
  private List<byte[]> next() throws InterruptedException {
    lock.lock();
    try {
      while (queue.isEmpty() && !closing) {
        changed.await();
      }
      if (queue.isEmpty()) {
        return null;
      }
      List<byte[]> batch = new ArrayList<>(queue);
      queue.clear();
      return batch;
    } finally {
      lock.unlock();
    }
  }

  /** A failed batch goes back in front of what arrived meanwhile; the oldest go first past the capacity. */
  private void putBack(List<byte[]> batch) {
    lock.lock();
    try {
      for (int i = batch.size() - 1; i >= 0; i--) {
        queue.addFirst(batch.get(i));
      }
      trim();
    } finally {
      lock.unlock();
    }
  }

  /** Appends what is queued until {@code deadlineNanos} ({@code System.nanoTime()}), then closes the anchor. */
  void close(long deadlineNanos) {
    lock.lock();
    try {
      closing = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      if (thread.isAlive()) {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
      }
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int left = queued();
    if (left > 0) {
      LOG.warn("{}: {} checkpoints not appended before the drain timeout; each is in its sink (verify finds it there)",
          anchor.describe(), left);
    }
    try {
      anchor.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("closing {} failed", anchor.describe(), e);
    }
  }

  String describe() {
    return anchor.describe();
  }

  int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Checkpoints appended to the anchor. */
  long stored() {
    return stored.get();
  }

  /** Failed appends (each retried). */
  long errors() {
    return errors.get();
  }

  /** Checkpoints dropped unappended because newer ones filled the queue. */
  long dropped() {
    return dropped.get();
  }

  long failingSinceMillis() {
    return failingSinceMillis;
  }
}
