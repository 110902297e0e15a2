package dev.passage.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk write-ahead log of audit lines under {@code audit.spool.dir}: the writer thread appends
 * each batch (one write, one fsync with {@link FsyncPolicy#BATCH}) before its records count as
 * accepted; every sink reads it from its own {@link SpoolCursor} on its own delivery thread, so a
 * sink that is down holds back nobody but itself. A segment file is deleted once every sink
 * acknowledged all of it; at start, each sink is given again what it had not acknowledged.
 *
 * <p>This class puts the parts together and is what the pipeline and the gateway see: {@link
 * SpoolDirectory} (the lock and the instance id), {@link SpoolSegments} (the files, reading, deleting),
 * {@link SpoolAppender} (the writer thread's appends and fsyncs), {@link SpoolCursors} (each sink's
 * acknowledged position) and {@link SpoolRefusal} (full or failing, and lost records). The public
 * methods are read-only views for metrics and readiness; the pipeline drives the rest.
 */
public final class AuditSpool {

  /** One logger for everything the spool says, so an operator follows the spool in one category. */
  static final Logger LOG = LoggerFactory.getLogger(AuditSpool.class);

  private final SpoolSettings settings;
  private final SpoolDirectory directory;
  private final SpoolSegments segments;
  private final SpoolCursors cursors;
  private final SpoolAppender appender;
  private final SpoolRefusal refusal;
  /** The id of the gateway instance that owns this spool (written into chained records). */
  private final String instance;
  /** Failed disk operations of every part: appends, fsyncs, reads, cursor writes, deletions. */
  private final AtomicLong diskErrors = new AtomicLong();
  private final AtomicLong replayedRecords = new AtomicLong();

  private AuditSpool(SpoolSettings settings, SpoolDirectory directory, List<String[]> sinks) throws IOException {
    this.settings = settings;
    this.directory = directory;
    Path dir = directory.path();
    directory.removeTempFiles();
    this.segments = SpoolSegments.recover(dir, diskErrors);
    this.cursors = SpoolCursors.open(dir, segments, sinks, diskErrors);
    this.refusal = new SpoolRefusal(dir, settings.onFull());
    this.appender = new SpoolAppender(settings, dir, segments, cursors, refusal, diskErrors);
    this.instance = directory.loadInstance();
  }

  /**
   * Opens (creating) the spool in {@code settings.dir()} for the sinks named by {@code sinks}
   * (each {@code [key, description]}), recovering what an earlier run left: a torn tail is cut,
   * each sink resumes at its acknowledged position. Fails when another process holds the directory.
   */
  static AuditSpool open(SpoolSettings settings, List<String[]> sinks) throws IOException {
    SpoolDirectory directory = SpoolDirectory.lock(settings.dir());
    try {
      return new AuditSpool(settings, directory, sinks);
    } catch (IOException | RuntimeException e) {
      directory.closeQuietly();
      throw e;
    }
  }

  /** The id of the gateway instance this spool belongs to. */
  public String instance() {
    return instance;
  }

  SpoolCursor cursor(String key) {
    return cursors.get(key);
  }

  /** Where this run's appends begin: records before it are replays of an earlier run. */
  long runStart() {
    return segments.runStart();
  }

  // ---------------------------------------------------------------- writer thread

  /** See {@link SpoolAppender#append}. */
  int append(List<byte[]> lines, int from) throws IOException {
    return appender.append(lines, from);
  }

  /** With {@link FsyncPolicy#INTERVAL}: when the next force is due ({@code System.nanoTime()}), else {@code Long.MAX_VALUE}. */
  long forceDueNanos() {
    return appender.forceDueNanos();
  }

  /** Forces appended bytes when due (or {@code always}); a failure is counted and logged. */
  void forceIfDue(boolean always) {
    appender.forceIfDue(always);
  }

  /** {@code n} records will never reach the spool (fail_open, or too large). Counted always, logged once per interval. */
  void lost(int n) {
    refusal.lost(n);
  }

  /** Waits at most {@code millis} for a sink to free space (or returns at once when one just did). */
  void awaitSpace(long millis) throws InterruptedException {
    segments.awaitSpace(millis);
  }

  /** The segment file the last append went to. */
  Path activeSegment() {
    return segments.active().path;
  }

  /**
   * Under {@code fsync: batch}, a thread that forces each appended batch before its exchanges are
   * told it is spooled (the writer then appends without waiting for fsync); null under the other
   * policies, where nobody waits for a force. Call once, before the first append.
   */
  SpoolSyncer batchSyncer() {
    if (settings.fsync() != FsyncPolicy.BATCH) {
      return null;
    }
    appender.forceBatchesElsewhere();
    return new SpoolSyncer(directory.path(), diskErrors);
  }

  /** Writer thread, last act: forces what is unforced. Readers may still read until {@link #close()}. */
  void finishAppending() {
    appender.forceIfDue(true);
  }

  // ---------------------------------------------------------------- delivery threads

  /** See {@link SpoolSegments#read}. */
  SpoolBatch read(long from, int maxRecords, long maxBytes) throws IOException {
    return segments.read(from, maxRecords, maxBytes);
  }

  /** Whether {@code pos} is at the end of everything appended so far. */
  boolean caughtUp(long pos) {
    return segments.normalize(pos) >= segments.appended();
  }

  /** Makes every delivery waiting in {@link #awaitAppended} look again. */
  void wakeReaders() {
    segments.wakeReaders();
  }

  /** Waits at most {@code nanos} for an append past {@code pos}. */
  void awaitAppended(long pos, long nanos) throws InterruptedException {
    segments.awaitAppended(pos, nanos);
  }

  /**
   * A sink stored everything before {@code pos}: persist its cursor, delete segments every sink
   * has, wake a writer waiting for space.
   */
  void acknowledge(SpoolCursor cursor, long pos, int replayed, ChainHead head) {
    replayedRecords.addAndGet(replayed);
    cursors.advance(cursor, pos, head);
    segments.deleteAcknowledged(cursors::minAcknowledged);
  }

  /** A delivery thread could not read the spool (it retries). */
  void readFailed() {
    diskErrors.incrementAndGet();
  }

  void close() {
    segments.close();
    directory.release();
  }

  // ---------------------------------------------------------------- views

  /** Segment bytes on disk now. */
  public long bytes() {
    return segments.bytes();
  }

  /** {@code audit.spool.max_bytes}. */
  public long maxBytes() {
    return settings.maxBytes();
  }

  public int segments() {
    return segments.count();
  }

  public SpoolSettings settings() {
    return settings;
  }

  /** Records appended since start. */
  public long appendedRecords() {
    return appender.appendedRecords();
  }

  /** Records that never reached the spool under {@link SpoolFullPolicy#FAIL_OPEN}. */
  public long lostRecords() {
    return refusal.lostRecords();
  }

  /** Failed disk operations: appends, fsyncs, reads, cursor writes, deletions. */
  public long diskErrors() {
    return diskErrors.get();
  }

  /** Records of an earlier run delivered (again) to a sink after start. */
  public long replayedRecords() {
    return replayedRecords.get();
  }

  /** Bytes readers skipped because they were not whole records (a torn or corrupt write). */
  public long corruptBytes() {
    return segments.corruptBytes();
  }

  /** Why the spool refuses records now (full, or the disk failed), or null while it takes them. */
  public String problem() {
    return refusal.problem();
  }

  /** Whether the last append was refused (full or failing) and none has succeeded since. */
  public boolean isRefusing() {
    return refusal.problem() != null;
  }

  /** Age of the oldest record some sink has not acknowledged, in milliseconds; 0 when every sink has everything. */
  public long oldestUnacknowledgedAgeMillis() {
    return segments.ageMillisAt(cursors.minAcknowledged());
  }

  /**
   * Bytes appended that some sink has not acknowledged: what the spool would replay after a crash.
   * Unlike {@link #bytes()} it falls to 0 when every sink caught up, even before the segments those
   * bytes sit in are rolled and deleted.
   */
  public long unacknowledgedBytes() {
    long max = 0;
    for (String key : cursors.keys()) {
      max = Math.max(max, lagBytes(key));
    }
    return max;
  }

  /** The cursor keys of the sinks, in config order: file-safe forms of their descriptions. */
  public List<String> sinkKeys() {
    return cursors.keys();
  }

  /** Bytes appended that the sink with cursor {@code key} (one of {@link #sinkKeys()}) has not acknowledged. */
  public long lagBytes(String key) {
    return segments.bytesAfter(cursor(key).acknowledged());
  }
}
