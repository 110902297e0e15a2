package dev.passage.audit;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline's one bound: a slot is taken by a reservation or an accepted record and freed only
 * when that record has been written and released, so reserved + pending never exceeds the capacity.
 * Callers that found no slot leave a callback, run when one may be free.
 */
final class Slots {

  private static final Logger LOG = LoggerFactory.getLogger(Slots.class);

  private final int capacity;
  private final Runnable wakeWriter;
  private final AtomicInteger used = new AtomicInteger();
  private final AtomicInteger reserved = new AtomicInteger();
  private final AtomicInteger pending = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
  private long maxBytes = Long.MAX_VALUE;
  private final ConcurrentLinkedQueue<Runnable> waiters = new ConcurrentLinkedQueue<>();
  private volatile boolean finished;

  Slots(int capacity, Runnable wakeWriter) {
    this.capacity = capacity;
    this.wakeWriter = wakeWriter;
  }

  int capacity() {
    return capacity;
  }

  int reserved() {
    return reserved.get();
  }

  /** Accepted records not yet written and released. */
  int pending() {
    return pending.get();
  }

  /** Slots taken by reservations and unreleased records together: the one number the bound is on. */
  int inUse() {
    return used.get();
  }

  boolean anyFree() {
    return used.get() < capacity && bytes.get() < maxBytes;
  }

  /** Also bounds the heap the waiting records hold ({@link PendingRecord#heapBytes()}). */
  void limitBytes(long max) {
    this.maxBytes = max;
  }

  long bytes() {
    return bytes.get();
  }

  /** Whether {@code more} bytes of records fit under the byte bound now. */
  boolean bytesFit(long more) {
    return bytes.get() + more <= maxBytes;
  }

  /** Takes a free slot and records it as a reservation. */
  boolean reserve() {
    if (!takeFree()) {
      return false;
    }
    reserved.incrementAndGet();
    return true;
  }

  boolean takeFree() {
    while (true) {
      int u = used.get();
      if (u >= capacity) {
        return false;
      }
      if (used.compareAndSet(u, u + 1)) {
        return true;
      }
    }
  }

  /** Turns one reservation back into an unowned taken slot; false when none is held. */
  /** Takes a slot even past capacity (a record whose exchange was admitted while there was room). */
  void takeAlways() {
    used.incrementAndGet();
  }

  boolean takeReservation() {
    while (true) {
      int r = reserved.get();
      if (r == 0) {
        return false;
      }
      if (reserved.compareAndSet(r, r - 1)) {
        return true;
      }
    }
  }

  /** A taken slot now holds an accepted record of {@code recordBytes}. */
  void accepted(long recordBytes) {
    pending.incrementAndGet();
    bytes.addAndGet(recordBytes);
  }

  /** Frees {@code n} slots of accepted records (holding {@code recordBytes}) now written or dropped and released. */
  void recordsDone(int n, long recordBytes) {
    pending.addAndGet(-n);
    bytes.addAndGet(-recordBytes);
    free(n);
  }

  /** Frees {@code n} slots that hold no record. */
  void free(int n) {
    used.addAndGet(-n);
    if (!waiters.isEmpty()) {
      wakeWriter.run();
    }
  }

  /** Registers a one-shot callback; wakes the writer if a slot is already free (or {@code now}). */
  void whenFree(Runnable callback, boolean now) {
    waiters.add(callback);
    if (finished) {
      // The writer has run its last callbacks: nobody else will run this one.
      if (waiters.remove(callback)) {
        run(callback);
      }
    } else if (now || anyFree()) {
      wakeWriter.run(); // freed before the callback was registered: no later free would run it
    }
  }

  /** Writer thread: runs the callbacks registered so far if a slot is free (or {@code regardless}). */
  void runWaitersIfFree(boolean regardless) {
    if (!regardless && !anyFree()) {
      return;
    }
    // Only those registered now: a callback that re-registers waits for the next free slot.
    for (int n = waiters.size(); n > 0; n--) {
      Runnable w = waiters.poll();
      if (w == null) {
        return;
      }
      run(w);
    }
  }

  /** Writer thread, last act: from now on callbacks run on the registering thread. */
  void finish() {
    finished = true;
    for (Runnable w; (w = waiters.poll()) != null; ) {
      run(w);
    }
  }

  private static void run(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException e) {
      LOG.error("audit whenSlotFree callback failed", e);
    }
  }
}
