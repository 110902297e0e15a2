package dev.passage.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides when one sink's delivery writes a signed checkpoint of its chain head (every {@code
 * checkpointEvery} records, at least every {@code checkpointInterval} while the head moves, and at a
 * graceful stop), and hands the checkpoints the sink stored to the anchor's own thread ({@link
 * AnchorWriter}), which never makes this delivery wait. Delivery thread only, apart from the read-only views.
 */
final class CheckpointWriter {

  private final IntegritySettings settings;
  private final String keyId;
  private final AnchorWriter anchor;
  private long linkedSince;
  private long lastSeq;
  private long lastNanos = System.nanoTime();
  /** Written to the sink, waiting for its flush before they go to the anchor. */
  private final List<byte[]> unflushed = new ArrayList<>();
  private final AtomicLong written = new AtomicLong();
  private volatile long lastStoredMillis = System.currentTimeMillis();
  /** The last checkpoint line the sink stored in this run (without its newline), or null: what /audit/head serves. */
  private volatile String latestStored;
  /** Since when checkpoints could not be stored (the sink failing), or 0. */
  private volatile long failingSinceMillis;

  CheckpointWriter(IntegritySettings settings, String keyId, AnchorWriter anchor, ChainHead head) {
    this.settings = settings;
    this.keyId = keyId;
    this.anchor = anchor;
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

  /** The sink flushed: its checkpoints are stored there, and now go to the anchor. */
  void flushed() {
    failingSinceMillis = 0;
    if (unflushed.isEmpty()) {
      return;
    }
    written.addAndGet(unflushed.size());
    lastStoredMillis = System.currentTimeMillis();
    byte[] newest = unflushed.get(unflushed.size() - 1);
    latestStored = new String(newest, 0, newest.length - 1, java.nio.charset.StandardCharsets.US_ASCII);
    if (anchor != null) {
      anchor.offer(List.copyOf(unflushed));
    }
    unflushed.clear();
  }

  long written() {
    return written.get();
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
