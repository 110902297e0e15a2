package dev.passage.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether the spool refuses records now (full, or its disk failing), why and since when, and the
 * records lost meanwhile under {@code fail_open}, with what the operator is told about each. A
 * refusal is logged when it starts, again at most once per {@link #LOG_EVERY_NANOS} while it lasts
 * (the writer retries every few milliseconds to a second, and neither a retry nor a request may be a
 * log line of its own), and at INFO when an append succeeds again. Written by the writer thread;
 * {@link #problem()} is read by any thread (readiness, admission).
 */
final class SpoolRefusal {

  /** How often a continuing problem (a refusal, lost records) is logged again. */
  static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Path dir;
  private final SpoolFullPolicy onFull;
  private final AtomicLong lostRecords = new AtomicLong();
  /** Full or failing: set by a refused append, cleared by the next successful one. */
  private volatile String problem;
  private long sinceNanos;
  private long loggedNanos;
  private long refusedSinceLog;
  private long lostLoggedNanos;
  private long lostSinceLog;

  SpoolRefusal(Path dir, SpoolFullPolicy onFull) {
    this.dir = dir;
    this.onFull = onFull;
  }

  /** An append was refused: {@code why} says so, {@code cause} is the disk's error (null when simply full). */
  void refused(String why, IOException cause) {
    long now = System.nanoTime();
    String policy = onFull == SpoolFullPolicy.FAIL_CLOSED
        ? "new exchanges on audited routes are refused (503) until it takes records again"
        : "records are lost (counted) until it takes records again";
    if (problem == null) {
      sinceNanos = now;
      loggedNanos = now;
      refusedSinceLog = 0;
      if (cause != null) {
        AuditSpool.LOG.error("audit spool {} cannot take records, treated as full: {}; {}", dir, why, policy, cause);
      } else {
        AuditSpool.LOG.warn("audit spool {} cannot take records: {}; {}", dir, why, policy);
      }
    } else {
      refusedSinceLog++;
      if (now - loggedNanos >= LOG_EVERY_NANOS) {
        String still = "audit spool {} still cannot take records after {} s ({} refused appends since the last report): {}; {}";
        long seconds = TimeUnit.NANOSECONDS.toSeconds(now - sinceNanos);
        if (cause != null) {
          AuditSpool.LOG.error(still, dir, seconds, refusedSinceLog, why, policy);
        } else {
          AuditSpool.LOG.warn(still, dir, seconds, refusedSinceLog, why, policy);
        }
        loggedNanos = now;
        refusedSinceLog = 0;
      }
    }
    // Published after the log line: whoever sees the spool refusing can find why in the log.
    problem = why;
  }

  /** An append succeeded: a refusal, if there was one, is over. */
  void accepted() {
    if (problem != null) {
      AuditSpool.LOG.info("audit spool {} takes records again after {} ms ({})", dir,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos), problem);
      problem = null;
    }
  }

  /** {@code n} records will never reach the spool (fail_open, or too large). Counted always, logged once per interval. */
  void lost(int n) {
    lostRecords.addAndGet(n);
    lostSinceLog += n;
    long now = System.nanoTime();
    if (lostLoggedNanos == 0 || now - lostLoggedNanos >= LOG_EVERY_NANOS) {
      AuditSpool.LOG.error("audit spool {}: {} audit records lost since the last report (at most one every 10 s): {}",
          dir, lostSinceLog, problem);
      lostLoggedNanos = now;
      lostSinceLog = 0;
    }
  }

  /** Why the spool refuses records now, or null while it takes them. */
  String problem() {
    return problem;
  }

  long lostRecords() {
    return lostRecords.get();
  }
}
