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

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final ArrayDeque<PendingRecord> queue = new ArrayDeque<>();
  private boolean wake; // guarded by lock
  private volatile boolean closed; // written under lock

  /** Queues the record; false when closed (the caller still owns it). */
  boolean offer(PendingRecord record) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      queue.addLast(record);
      work.signal();
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
