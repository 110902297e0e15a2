package dev.passage.capture;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one bound on kept body bytes across all in-flight exchanges. A body reserves its share before
 * it keeps a byte; a body that cannot reserve keeps nothing. Reservations are returned when the
 * audit record holding them is written or dropped.
 */
public final class CaptureBudget {

  private final long limitBytes;
  private final AtomicLong inUse = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final LongAdder exhausted = new LongAdder();
  // Tokens (the kept arrays, compared by identity) of bytes handed to a RawCapture and not yet
  // returned. Whoever removes a token returns its bytes, so a second release of the same capture,
  // or of a copy sharing its array, returns nothing. Holds are few: at most one per unreleased
  // capture, each of at least one byte, so the set is bounded by the limit and in practice by the
  // number of records in flight.
  private final Set<Object> holds = ConcurrentHashMap.newKeySet();

  public CaptureBudget(long limitBytes) {
    if (limitBytes < 0) {
      throw new IllegalArgumentException("capture budget must be >= 0 bytes, got " + limitBytes);
    }
    this.limitBytes = limitBytes;
  }

  /** Reserves {@code bytes} if they fit under the limit; counts an exhaustion when they do not. */
  public boolean tryAcquire(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("cannot acquire " + bytes + " bytes");
    }
    if (bytes == 0) {
      return true;
    }
    while (true) {
      long current = inUse.get();
      long next = current + bytes;
      if (next > limitBytes) {
        exhausted.increment();
        return false;
      }
      if (inUse.compareAndSet(current, next)) {
        peak.accumulateAndGet(next, Math::max);
        return true;
      }
    }
  }

  public void release(long bytes) {
    if (bytes <= 0) {
      return;
    }
    long after = inUse.addAndGet(-bytes);
    if (after < 0) {
      throw new IllegalStateException("capture budget released more than was acquired: " + after);
    }
  }

  public long limit() {
    return limitBytes;
  }

  public long inUse() {
    return inUse.get();
  }

  /** The highest {@link #inUse()} ever reached. */
  public long peakInUse() {
    return peak.get();
  }

  /** How many reservations were refused. */
  public long exhaustedCount() {
    return exhausted.sum();
  }

  /** How many captures still hold bytes of this budget (records not yet written or dropped). */
  public int outstandingHolds() {
    return holds.size();
  }

  void registerHold(Object token) {
    holds.add(token);
  }

  void releaseHold(Object token, long bytes) {
    if (holds.remove(token)) {
      release(bytes);
    }
  }
}
