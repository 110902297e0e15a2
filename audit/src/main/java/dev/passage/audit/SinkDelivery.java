package dev.passage.audit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink's delivery thread ({@code passage-audit-deliver-N}): reads the spool from the sink's
 * cursor, writes each batch to the sink (retrying a failure with backoff, the same list each time,
 * as {@link AuditSink} promises), flushes at the flush interval, and only then acknowledges: the
 * cursor moves past lines the sink stored, never past lines it merely took. A sink that fails
 * stalls only this thread; the spool keeps what it has not acknowledged.
 */
final class SinkDelivery implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(SinkDelivery.class);
  static final int MAX_BATCH = 512;
  static final long MAX_BATCH_BYTES = 4L * 1024 * 1024;
  /** How long an idle delivery sleeps before looking again (an append wakes it sooner). */
  private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private final AuditSpool spool;
  private final SpoolCursor cursor;
  private final AuditSink sink;
  private final long flushNanos;
  /** Links this sink's lines into its own hash chain; null when records are not chained. */
  private final RecordChain chain;
  /** Signs and anchors checkpoints of the chain; null without a signing key. */
  private final CheckpointWriter checkpoints;
  private final AtomicLong sinkErrors = new AtomicLong();
  /** Records of this run (appended after start) this sink has acknowledged. */
  private final AtomicLong acknowledgedFresh = new AtomicLong();
  private volatile boolean healthy = true;
  /** Set by close: deliver what is spooled, acknowledge, end. */
  private volatile boolean draining;
  private long position;
  private int unflushedFresh;
  private int unflushedReplayed;
  private boolean dirty;
  private long flushDue;

  SinkDelivery(AuditSpool spool, SpoolCursor cursor, AuditSink sink, long flushNanos, RecordChain chain,
      CheckpointWriter checkpoints) {
    this.chain = chain;
    this.checkpoints = checkpoints;
    this.spool = spool;
    this.cursor = cursor;
    this.sink = sink;
    this.flushNanos = flushNanos;
    this.position = cursor.acknowledged();
  }

  @Override
  public void run() {
    try {
      while (true) {
        // Read once per pass, before the spool: set only after the writer's last append, so when it is
        // true an empty read means everything was delivered, and the checks below agree on it.
        boolean drain = draining;
        SpoolBatch batch = read();
        if (!batch.lines().isEmpty()) {
          List<byte[]> lines = linked(batch.lines());
          retrying("write", () -> sink.write(lines));
          int replayed = batch.replayed();
          unflushedReplayed += replayed;
          unflushedFresh += batch.lines().size() - replayed;
          if (!dirty) {
            dirty = true;
            flushDue = System.nanoTime() + flushNanos;
          }
        }
        position = batch.next();
        boolean caughtUp = batch.lines().isEmpty() && spool.caughtUp(position);
        if (checkpoints != null) {
          // A graceful stop ends with a checkpoint of everything delivered, so the anchor covers it all.
          writeCheckpoint(checkpoints.ifDue(chain.head(), caughtUp && drain));
        }
        if (dirty && (System.nanoTime() - flushDue >= 0 || caughtUp && drain)) {
          acknowledge();
        }
        if (caughtUp) {
          if (drain) {
            return;
          }
          long idle = checkpoints == null ? IDLE_NANOS : Math.min(IDLE_NANOS, checkpoints.nanosUntilDue());
          spool.awaitAppended(position, dirty ? Math.max(1, flushDue - System.nanoTime()) : idle);
        }
      }
    } catch (InterruptedException giveUp) {
      // close() gave up waiting: what this sink did not acknowledge stays in the spool for the next start.
      Thread.interrupted();
      LOG.warn("audit delivery to {} stopped before it caught up; the spool keeps its records for the next start",
          sink.describe());
    } catch (RuntimeException e) {
      LOG.error("audit delivery to {} failed; it stops, the spool keeps its records for the next start",
          sink.describe(), e);
      healthy = false;
    } finally {
      try {
        sink.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("closing audit sink {} failed; the spool keeps what it did not acknowledge", sink.describe(), e);
      }
    }
  }

  /** The next batch from the spool; a read error (the disk) is logged and retried with backoff. */
  private SpoolBatch read() throws InterruptedException {
    long backoffMs = BatchWriter.FIRST_BACKOFF_MS;
    for (int attempt = 1; ; attempt++) {
      try {
        return spool.read(position, MAX_BATCH, MAX_BATCH_BYTES);
      } catch (IOException e) {
        spool.readFailed();
        LOG.error("reading the audit spool for {} failed (attempt {}), retrying in {} ms", sink.describe(), attempt,
            backoffMs, e);
      }
      Thread.sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, BatchWriter.MAX_BACKOFF_MS);
    }
  }

  /**
   * The batch as this sink's chain links it (linked once: a retry writes the same list, as {@link
   * AuditSink} promises).
   */
  private List<byte[]> linked(List<byte[]> lines) {
    if (chain == null) {
      return lines;
    }
    List<byte[]> out = new ArrayList<>(lines.size());
    for (byte[] line : lines) {
      out.add(chain.link(line));
      byte[] checkpoint = checkpoints == null ? null : checkpoints.afterLink(chain.head());
      if (checkpoint != null) {
        out.add(checkpoint);
      }
    }
    return out;
  }

  private void writeCheckpoint(byte[] line) throws InterruptedException {
    if (line == null) {
      return;
    }
    List<byte[]> one = List.of(line);
    retrying("write", () -> sink.write(one));
    if (!dirty) {
      dirty = true;
      flushDue = System.nanoTime() + flushNanos;
    }
  }

  private void acknowledge() throws InterruptedException {
    retrying("flush", sink::flush);
    // The head goes into the cursor file with the position: they describe the same point.
    spool.acknowledge(cursor, position, unflushedReplayed, chain == null ? null : chain.head());
    if (checkpoints != null) {
      checkpoints.flushed(); // stored by the sink: now they may go to the anchor
    }
    acknowledgedFresh.addAndGet(unflushedFresh);
    unflushedFresh = 0;
    unflushedReplayed = 0;
    dirty = false;
  }

  private void retrying(String what, SinkOperation op) throws InterruptedException {
    long backoffMs = BatchWriter.FIRST_BACKOFF_MS;
    for (int attempt = 1; ; attempt++) {
      try {
        op.run();
        if (!healthy) {
          healthy = true;
          LOG.info("audit sink {} accepts records again after {} attempts", sink.describe(), attempt);
        }
        return;
      } catch (IOException | RuntimeException e) {
        sinkErrors.incrementAndGet();
        healthy = false;
        if (checkpoints != null) {
          checkpoints.sinkFailing();
        }
        LOG.warn("audit {} to {} failed (attempt {}), retrying in {} ms; the spool keeps the records", what,
            sink.describe(), attempt, backoffMs, e);
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      Thread.sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, BatchWriter.MAX_BACKOFF_MS);
    }
  }

  /** Deliver everything spooled, acknowledge it, then end (the writer has stopped appending). */
  void drain() {
    draining = true;
    spool.wakeReaders();
  }

  String describe() {
    return sink.describe();
  }

  String cursorKey() {
    return cursor.key;
  }

  long sinkErrors() {
    return sinkErrors.get();
  }

  /** Records appended in this run that this sink has stored. */
  long acknowledgedFresh() {
    return acknowledgedFresh.get();
  }

  boolean healthy() {
    return healthy;
  }

  /** The chain head this sink stored last (acknowledged), or null when records are not chained. */
  ChainHead acknowledgedHead() {
    return cursor.head();
  }

  CheckpointWriter checkpoints() {
    return checkpoints;
  }

  @FunctionalInterface
  private interface SinkOperation {
    void run() throws IOException;
  }
}
