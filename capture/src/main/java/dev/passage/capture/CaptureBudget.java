package dev.passage.capture;

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
}
