package dev.passage.capture;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bound on kept body bytes across in-flight exchanges. The global budget bounds all of them; a
 * {@linkplain #share(long) share} bounds a part of them (one route's) and draws every byte it grants
 * from its parent too, so both bounds hold at once. A body reserves bytes before it keeps them, a
 * little ahead of their arrival ({@link BodyTee}); reservations are returned when the audit record
 * holding them is written or dropped.
 */
public final class CaptureBudget {

  private final long limitBytes;
  /** The budget this share draws from, or null for the global budget. */
  private final CaptureBudget parent;
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
    this(limitBytes, null);
  }

  private CaptureBudget(long limitBytes, CaptureBudget parent) {
    if (limitBytes < 0) {
      throw new IllegalArgumentException("capture budget must be >= 0 bytes, got " + limitBytes);
    }
    this.limitBytes = limitBytes;
    this.parent = parent;
  }

  /**
   * A sub-budget of at most {@code limitBytes} that draws every byte from this one as well: a
   * reservation succeeds only when it fits under both limits, and a release returns it to both. It
   * keeps its own in-use, peak and exhaustion figures: its exhaustions are refusals by its own limit
   * while this budget had room; refusals by this budget are counted here.
   */
  public CaptureBudget share(long limitBytes) {
    return new CaptureBudget(limitBytes, this);
  }

  /**
   * Reserves {@code bytes} if they fit under this limit and every parent's; counts an exhaustion on
   * the budget that refused them (the parent when both are full). Nothing stays reserved on a
   * refusal.
   */
  public boolean tryAcquire(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("cannot acquire " + bytes + " bytes");
    }
    if (bytes == 0) {
      return true;
    }
    // The parent first, so that when both are full the refusal is counted on the wider budget, and
    // a share as large as its parent counts no refusal the global budget would not have counted.
    if (parent != null && !parent.tryAcquire(bytes)) {
      return false;
    }
    long next = reserve(bytes);
    if (next < 0) {
      if (parent != null) {
        parent.release(bytes);
      }
      exhausted.increment();
      return false;
    }
    peak.accumulateAndGet(next, Math::max);
    return true;
  }

  /** Returns {@code bytes} to this budget and every parent. */
  public void release(long bytes) {
    if (bytes <= 0) {
      return;
    }
    long after = inUse.addAndGet(-bytes);
    if (after < 0) {
      throw new IllegalStateException("capture budget released more than was acquired: " + after);
    }
    if (parent != null) {
      parent.release(bytes);
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

  /**
   * How many captures kept through this budget still hold bytes of it (records not yet written or
   * dropped). A capture kept through a share counts on the share, not on its parent.
   */
  public int outstandingHolds() {
    return holds.size();
  }

  /** Adds {@code bytes} to this budget alone; returns the new total, or -1 past the limit. */
  private long reserve(long bytes) {
    while (true) {
      long current = inUse.get();
      long next = current + bytes;
      if (next > limitBytes) {
        return -1;
      }
      if (inUse.compareAndSet(current, next)) {
        return next;
      }
    }
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
