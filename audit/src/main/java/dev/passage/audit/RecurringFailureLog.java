package dev.passage.audit;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The log of one kind of failure that repeats while its cause lasts: a full or read-only disk fails
 * every cursor write, every segment deletion, every fsync, and they are retried every few
 * milliseconds to a second. It is logged at ERROR when it starts (with the cause's stack), then at
 * most once per interval with how often it failed since, and once at INFO when it stops. An
 * operator sees it at once and keeps seeing it, and a failure retried per request or per flush
 * costs one line per interval, not one per attempt. Thread-safe: delivery threads share one.
 */
final class RecurringFailureLog {

  private final Logger log;
  private final String what;
  private final long intervalNanos;
  /** Read without the lock by {@link #succeeded()}, which runs after every success. */
  private volatile boolean failing;
  private long startedNanos;
  private long loggedNanos;
  private long sinceLogged;
  private long failures;

  /** {@code what} names the operation and its place, e.g. {@code "audit spool /x: persisting a sink's cursor"}. */
  RecurringFailureLog(Logger log, String what, long intervalNanos) {
    if (intervalNanos <= 0) {
      throw new IllegalArgumentException("interval must be > 0, got " + intervalNanos + " ns");
    }
    this.log = log;
    this.what = what;
    this.intervalNanos = intervalNanos;
  }

  /** The operation failed again; {@code consequence} says what that means for the trail. */
  synchronized void failed(String consequence, Throwable cause) {
    long now = System.nanoTime();
    failures++;
    if (!failing) {
      failing = true;
      startedNanos = now;
      loggedNanos = now;
      sinceLogged = 0;
      log.error("{} failed: {}; {}", what, cause.getMessage(), consequence, cause);
      return;
    }
    sinceLogged++;
    if (now - loggedNanos >= intervalNanos) {
      log.error("{} still fails after {} s ({} failures since the last report, {} in all): {}; {}", what,
          TimeUnit.NANOSECONDS.toSeconds(now - startedNanos), sinceLogged, failures, cause.getMessage(), consequence);
      loggedNanos = now;
      sinceLogged = 0;
    }
  }

  /** The operation worked: ends a failure episode (logged), or costs one volatile read. */
  void succeeded() {
    if (!failing) {
      return;
    }
    synchronized (this) {
      if (!failing) {
        return;
      }
      failing = false;
      log.info("{} works again after {} ms and {} failures", what,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos), failures);
      failures = 0;
    }
  }

  boolean failing() {
    return failing;
  }
}
