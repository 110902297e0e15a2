package dev.passage.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * The writer thread's side of the spool: frames a batch of lines and appends it to the active
 * segment in one write, forces it per {@link FsyncPolicy}, rolls to a new segment at the segment size,
 * and refuses (full, or the disk failed) through {@link SpoolRefusal}. Only the writer thread calls it.
 */
final class SpoolAppender {

  private final SpoolSettings settings;
  private final Path dir;
  private final long segmentBytes;
  private final SpoolSegments segments;
  private final SpoolCursors cursors;
  private final SpoolRefusal refusal;
  private final AtomicLong appendedRecords = new AtomicLong();
  private final AtomicLong diskErrors;
  private final RecurringFailureLog fsyncs;
  private final CRC32C crc = new CRC32C();
  private final ByteBuffer frameBuffer = ByteBuffer.allocate(64 * 1024);
  private boolean unforced;
  /** Under {@code fsync: batch}, a {@link SpoolSyncer} forces each appended batch; rolls and close still force here. */
  private boolean batchesForcedElsewhere;
  private long lastForceNanos = System.nanoTime();

  SpoolAppender(SpoolSettings settings, Path dir, SpoolSegments segments, SpoolCursors cursors, SpoolRefusal refusal,
      AtomicLong diskErrors) {
    this.settings = settings;
    this.dir = dir;
    this.segmentBytes = settings.segmentBytes();
    this.segments = segments;
    this.cursors = cursors;
    this.refusal = refusal;
    this.diskErrors = diskErrors;
    this.fsyncs = new RecurringFailureLog(AuditSpool.LOG, "audit spool " + dir + ": fsync", SpoolRefusal.LOG_EVERY_NANOS);
  }

  /**
   * Appends as many of {@code lines} from index {@code from} as fit, in one write (and one fsync
   * under {@link FsyncPolicy#BATCH}); returns how many (>= 1).
   *
   * @throws SpoolFullException when not even the first fits (nothing was appended)
   * @throws IOException when the disk failed (nothing counts as appended; part of it may be, so a retry may duplicate)
   */
  int append(List<byte[]> lines, int from) throws IOException {
    if (segments.closed()) {
      throw new IOException("audit spool " + dir + " is closed");
    }
    int n = fitting(lines, from);
    if (n == 0) {
      freeSpace();
      n = fitting(lines, from);
    }
    if (n == 0) {
      long need = SpoolSegment.frameBytes(lines.get(from));
      String why = need > settings.maxBytes() / 2
          ? "a record of " + need + " bytes is larger than half the spool (max_bytes " + settings.maxBytes() + ")"
          : "full: " + segments.bytes() + " of " + settings.maxBytes() + " bytes wait for a sink";
      refusal.refused(why, null);
      throw new SpoolFullException("audit spool " + dir + " " + why, need > settings.maxBytes() / 2);
    }
    long need = 0;
    for (int i = from; i < from + n; i++) {
      need += SpoolSegment.frameBytes(lines.get(i));
    }
    SpoolSegment active = segments.active();
    try {
      if (active.sealed() || active.size() > 0 && active.size() + need > segmentBytes) {
        roll();
        active = segments.active();
      }
      ByteBuffer frames = frames(need);
      long now = System.currentTimeMillis();
      for (int i = from; i < from + n; i++) {
        SpoolSegment.putFrame(frames, lines.get(i), now, crc);
      }
      frames.flip();
      active.append(frames);
      segments.appendedBytes(need);
      unforced = true;
      if (settings.fsync() == FsyncPolicy.BATCH && !batchesForcedElsewhere) {
        force();
      }
    } catch (IOException e) {
      diskErrors.incrementAndGet();
      refusal.refused("disk failed: " + e.getMessage(), e);
      throw e;
    }
    appendedRecords.addAndGet(n);
    segments.publish(SpoolPosition.of(active.seq, active.size()));
    refusal.accepted();
    return n;
  }

  private int fitting(List<byte[]> lines, int from) {
    long free = settings.maxBytes() - segments.bytes();
    int n = 0;
    for (int i = from; i < lines.size() && free >= SpoolSegment.frameBytes(lines.get(i)); i++) {
      free -= SpoolSegment.frameBytes(lines.get(i));
      n++;
    }
    return n;
  }

  private ByteBuffer frames(long need) {
    if (need > frameBuffer.capacity()) {
      return ByteBuffer.allocate((int) need); // a large batch: not kept, so one burst does not pin the heap
    }
    frameBuffer.clear();
    return frameBuffer;
  }

  /** From now on a {@link SpoolSyncer} forces appended batches; set before the first append. */
  void forceBatchesElsewhere() {
    batchesForcedElsewhere = true;
  }

  /** Seals the active segment (forced, so a sealed segment is whole on disk) and starts the next. */
  private void roll() throws IOException {
    SpoolSegment old = segments.active();
    if (!old.sealed() && unforced) {
      force();
    }
    old.seal();
    segments.startNext();
  }

  private void force() throws IOException {
    segments.active().force();
    unforced = false;
    lastForceNanos = System.nanoTime();
  }

  /** With {@link FsyncPolicy#INTERVAL}: when the next force is due ({@code System.nanoTime()}), else {@code Long.MAX_VALUE}. */
  long forceDueNanos() {
    return unforced && settings.fsync() == FsyncPolicy.INTERVAL
        ? lastForceNanos + settings.fsyncInterval().toNanos() : Long.MAX_VALUE;
  }

  /** Forces appended bytes when {@link #forceDueNanos()} has come (or {@code always}); a failure is counted and logged. */
  void forceIfDue(boolean always) {
    if (!unforced || !always && System.nanoTime() - forceDueNanos() < 0) {
      return;
    }
    try {
      force();
      fsyncs.succeeded();
    } catch (IOException e) {
      diskErrors.incrementAndGet();
      fsyncs.failed("records appended since the last fsync may not survive a power cut", e);
    }
  }

  /** Deletes what every sink has, and when that is everything, rolls so the active segment can go too. */
  private void freeSpace() throws IOException {
    long min = cursors.minAcknowledged();
    SpoolSegment active = segments.active();
    if (min >= segments.appended() && active.size() > 0 && !active.sealed()) {
      roll();
    }
    segments.deleteAcknowledged(cursors::minAcknowledged);
  }

  /** Records appended since start. */
  long appendedRecords() {
    return appendedRecords.get();
  }
}
