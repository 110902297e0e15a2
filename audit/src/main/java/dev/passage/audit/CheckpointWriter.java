package dev.passage.audit;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when one sink's delivery writes a signed checkpoint of its chain head (every {@code
 * checkpointEvery} records, at least every {@code checkpointInterval} while the head moves, and at a
 * graceful stop), and appends the checkpoints the sink stored to the anchor. Delivery thread only,
 * apart from the read-only views.
 */
final class CheckpointWriter {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointWriter.class);
  /** Checkpoints the anchor may be behind by; past it the oldest are dropped (a later one attests more). */
  static final int MAX_UNANCHORED = 64;

  private final IntegritySettings settings;
  private final String keyId;
  private final AnchorFile anchor;
  private final String sink;
  private long linkedSince;
  private long lastSeq;
  private long lastNanos = System.nanoTime();
  /** Written to the sink, waiting for its flush before they go to the anchor. */
  private final List<byte[]> unflushed = new ArrayList<>();
  /** Stored by the sink, not yet in the anchor (its write failed). */
  private final List<byte[]> unanchored = new ArrayList<>();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong anchorErrors = new AtomicLong();
  private volatile long lastStoredMillis = System.currentTimeMillis();
  /** The last checkpoint line the sink stored in this run (without its newline), or null: what /audit/head serves. */
  private volatile String latestStored;
  /** Since when checkpoints could not be stored (the sink or the anchor failing), or 0. */
  private volatile long failingSinceMillis;

  CheckpointWriter(IntegritySettings settings, String keyId, AnchorFile anchor, String sink, ChainHead head) {
    this.settings = settings;
    this.keyId = keyId;
    this.anchor = anchor;
    this.sink = sink;
    this.lastSeq = head.seq();
  }

  /** After each record linked: a checkpoint line when {@code checkpointEvery} records have been linked. */
  byte[] afterLink(ChainHead head) {
    return ++linkedSince >= settings.checkpointEvery() ? checkpoint(head) : null;
  }

  /** A checkpoint line when the interval passed (or {@code always}, at a stop) and the head moved since the last. */
  byte[] ifDue(ChainHead head, boolean always) {
    boolean due = always || System.nanoTime() - lastNanos >= settings.checkpointInterval().toNanos();
    return due && head.seq() > lastSeq ? checkpoint(head) : null;
  }

  private byte[] checkpoint(ChainHead head) {
    byte[] line = Checkpoint.line(head, AuditRecordJson.formatTs(Instant.now()), keyId, settings.signingKey());
    linkedSince = 0;
    lastSeq = head.seq();
    lastNanos = System.nanoTime();
    unflushed.add(line);
    return line;
  }

  /** Nanos until the next time-based checkpoint may be due. */
  long nanosUntilDue() {
    return Math.max(1, settings.checkpointInterval().toNanos() - (System.nanoTime() - lastNanos));
  }

  /** The sink failed to store what was written: checkpoints are not stored meanwhile. */
  void sinkFailing() {
    if (failingSinceMillis == 0 && !unflushed.isEmpty()) {
      failingSinceMillis = System.currentTimeMillis();
    }
  }

  /** The sink flushed: its checkpoints are stored there; append them to the anchor (a failure is retried next time). */
  void flushed() {
    if (!unflushed.isEmpty()) {
      written.addAndGet(unflushed.size());
      lastStoredMillis = System.currentTimeMillis();
      byte[] newest = unflushed.get(unflushed.size() - 1);
      latestStored = new String(newest, 0, newest.length - 1, java.nio.charset.StandardCharsets.US_ASCII);
      unanchored.addAll(unflushed);
      unflushed.clear();
    }
    if (anchor == null) {
      unanchored.clear();
      failingSinceMillis = 0;
      return;
    }
    if (unanchored.isEmpty()) {
      failingSinceMillis = 0;
      return;
    }
    try {
      anchor.append(unanchored);
      unanchored.clear();
      failingSinceMillis = 0;
    } catch (IOException e) {
      anchorErrors.incrementAndGet();
      if (failingSinceMillis == 0) {
        failingSinceMillis = System.currentTimeMillis();
      }
      LOG.error("cannot append checkpoints of {} to {}; retried at the next flush", sink, anchor.describe(), e);
      while (unanchored.size() > MAX_UNANCHORED) {
        unanchored.remove(0);
      }
    }
  }

  long written() {
    return written.get();
  }

  long anchorErrors() {
    return anchorErrors.get();
  }

  String latestStored() {
    return latestStored;
  }

  long lastStoredMillis() {
    return lastStoredMillis;
  }

  long failingSinceMillis() {
    return failingSinceMillis;
  }
}
