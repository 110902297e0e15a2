package dev.passage.audit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hand-over between submitting threads and the writer. Unbounded by itself: {@link Slots} bounds
 * what may enter. Closing happens under the same lock as offering, so once the writer has seen the
 * queue closed and empty no record can slip in behind it.
 */
final class RecordQueue {

  /**
   * How long the writer lets a small batch gather before it takes it. Waking the writer for every
   * record cost a context switch per exchange (11k a second under load on one core, with the event
   * loop preempted as often); a batch per couple of milliseconds costs nearly nothing, and records
   * reach the sinks, which flush at a coarser interval anyway, no later in any way that matters.
   */
  static final long LINGER_NANOS = 2_000_000;
  /** A batch this large wakes the writer at once. */
  private final int wakeAt;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final ArrayDeque<PendingRecord> queue = new ArrayDeque<>();
  private boolean wake; // guarded by lock
  private volatile boolean closed; // written under lock

  /** @param wakeAt records that wake the writer before its linger is over (>= 1) */
  RecordQueue(int wakeAt) {
    if (wakeAt < 1) {
      throw new IllegalArgumentException("wakeAt must be >= 1, got " + wakeAt);
    }
    this.wakeAt = wakeAt;
  }

  /** Queues the record; false when closed (the caller still owns it). */
  boolean offer(PendingRecord record) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      queue.addLast(record);
      if (record instanceof AwaitedRecord) {
        // Someone waits for this one (a response's last bytes, under delivery: sync): no linger.
        // Group commit comes from the records that arrive while the writer appends and fsyncs the
        // previous batch, so a lone record costs one append, not a 2 ms linger on top.
        wake = true;
        work.signal();
        return true;
      }
      // The first record wakes an idle writer, which then lingers for more; a full batch cuts the
      // linger short. Records in between wake nobody.
      int size = queue.size();
      if (size == 1 || size >= wakeAt) {
        work.signal();
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  boolean isClosed() {
    return closed;
  }

  void close() {
    lock.lock();
    try {
      closed = true;
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Makes a waiting {@link #take} return, e.g. to run slot callbacks. */
  void wake() {
    lock.lock();
    try {
      wake = true;
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writer thread: waits until there are records, a wake-up, close, or {@code deadline} (a
   * {@link System#nanoTime()} value; {@code Long.MAX_VALUE} for none) and moves up to {@code max}
   * records into {@code batch}. Returns true when the queue is closed and now empty.
   */
  boolean take(List<PendingRecord> batch, int max, long deadline) throws InterruptedException {
    lock.lock();
    try {
      while (queue.isEmpty() && !closed && !wake) {
        if (deadline == Long.MAX_VALUE) {
          work.await();
        } else {
          long wait = deadline - System.nanoTime();
          if (wait <= 0) {
            break;
          }
          work.awaitNanos(wait);
        }
      }
      // Linger for a batch, unless one is there already or someone needs the writer now.
      long lingerEnd = System.nanoTime() + LINGER_NANOS;
      while (queue.size() < wakeAt && !closed && !wake) {
        long wait = Math.min(lingerEnd, deadline) - System.nanoTime();
        if (wait <= 0) {
          break;
        }
        work.awaitNanos(wait);
      }
      wake = false;
      for (PendingRecord r; batch.size() < max && (r = queue.pollFirst()) != null; ) {
        batch.add(r);
      }
      return closed && queue.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** Closes the queue and hands back everything still in it. */
  List<PendingRecord> closeAndDrain() {
    lock.lock();
    try {
      closed = true;
      List<PendingRecord> left = new ArrayList<>(queue);
      queue.clear();
      return left;
    } finally {
      lock.unlock();
    }
  }
}
