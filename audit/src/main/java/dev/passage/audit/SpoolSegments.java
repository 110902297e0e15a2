package dev.passage.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The spool's segment files in log order, and the end of the last whole append ({@link #appended()}):
 * the writer thread adds segments and publishes appends; delivery threads read up to that end, never
 * past it, and delete the segments every sink acknowledged. One lock guards segment creation and
 * deletion; its conditions wake readers (an append) and the writer (space freed).
 *
 * <p>Positions are {@link SpoolPosition}s. A frame that fails its check (a torn write an earlier disk
 * failure left in a sealed segment, or corruption) ends its segment for readers, loudly.
 */
final class SpoolSegments {

  private final Path dir;
  private final ConcurrentSkipListMap<Long, SpoolSegment> segments = new ConcurrentSkipListMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition appendedSignal = lock.newCondition();
  private final Condition spaceSignal = lock.newCondition();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong corruptBytes = new AtomicLong();
  private final AtomicLong diskErrors;
  private final RecurringFailureLog deletions;
  /** Where this run's first append goes: readers before it replay an earlier run's records. */
  private final long runStart;
  /** The end of the last whole append: readers never look past it. */
  private volatile long appended;
  /** Appended to by the writer thread only; read by delivery threads when they delete segments. */
  private volatile SpoolSegment active;
  private volatile boolean closed;

  private SpoolSegments(Path dir, AtomicLong diskErrors, long nextSeq) {
    this.dir = dir;
    this.diskErrors = diskErrors;
    this.deletions = new RecurringFailureLog(AuditSpool.LOG, "audit spool " + dir + ": deleting a delivered segment",
        SpoolRefusal.LOG_EVERY_NANOS);
    this.runStart = SpoolPosition.of(nextSeq, 0);
    this.appended = runStart;
  }

  /**
   * The segments an earlier run left in {@code dir} (the newest one's torn tail cut off, logged), and
   * a new, empty active segment after them for this run's appends.
   */
  static SpoolSegments recover(Path dir, AtomicLong diskErrors) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> SpoolSegment.seqOf(p) >= 0).sorted().toList();
    }
    List<SpoolSegment> recovered = new ArrayList<>();
    long total = 0;
    for (int i = 0; i < files.size(); i++) {
      long[] cut = {0};
      SpoolSegment s = SpoolSegment.recover(files.get(i), SpoolSegment.seqOf(files.get(i)), i == files.size() - 1, cut);
      if (cut[0] > 0) {
        AuditSpool.LOG.warn("audit spool {}: cut {} bytes of a write torn by the last stop from {}; no record that "
            + "counted as spooled was in them", dir, cut[0], s.path.getFileName());
      }
      recovered.add(s);
      total += s.size();
    }
    if (!files.isEmpty()) {
      AuditSpool.LOG.info("audit spool {}: {} segments with {} bytes left by the last run", dir, files.size(), total);
    }
    long nextSeq = recovered.isEmpty() ? 0 : recovered.get(recovered.size() - 1).seq + 1;
    SpoolSegments s = new SpoolSegments(dir, diskErrors, nextSeq);
    for (SpoolSegment seg : recovered) {
      s.segments.put(seg.seq, seg);
    }
    s.bytes.set(total);
    s.active = SpoolSegment.create(dir, nextSeq);
    s.segments.put(nextSeq, s.active);
    SpoolDirectory.force(dir);
    return s;
  }

  /** Where this run's appends begin: records before it are replays of an earlier run. */
  long runStart() {
    return runStart;
  }

  /** The end of the last whole append. */
  long appended() {
    return appended;
  }

  SpoolSegment active() {
    return active;
  }

  long firstSeq() {
    return segments.firstKey();
  }

  boolean contains(long seq) {
    return segments.containsKey(seq);
  }

  /** Segment bytes on disk. */
  long bytes() {
    return bytes.get();
  }

  /** Writer thread: {@code n} bytes were appended to the active segment. */
  void appendedBytes(long n) {
    bytes.addAndGet(n);
  }

  int count() {
    return segments.size();
  }

  long corruptBytes() {
    return corruptBytes.get();
  }

  boolean closed() {
    return closed;
  }

  /** Writer thread: creates the next segment and makes it the active one (the caller sealed the old). */
  void startNext() throws IOException {
    lock.lock();
    try {
      long seq = segments.lastKey() + 1;
      SpoolSegment next = SpoolSegment.create(dir, seq);
      segments.put(seq, next);
      active = next;
    } finally {
      lock.unlock();
    }
    SpoolDirectory.force(dir); // the new file's name must survive a power cut as its contents will
  }

  /** Writer thread: everything before {@code position} is whole on disk; readers may read it. */
  void publish(long position) {
    lock.lock();
    try {
      appended = position;
      appendedSignal.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Up to {@code maxRecords} lines (and about {@code maxBytes}) from {@code from} on, never past the
   * last whole append. A frame that fails its check ends its segment for readers, loudly.
   */
  SpoolBatch read(long from, int maxRecords, long maxBytes) throws IOException {
    List<byte[]> lines = new ArrayList<>();
    long pos = normalize(from);
    long size = 0;
    int replayed = 0;
    while (lines.size() < maxRecords && size < maxBytes) {
      SpoolSegment seg = segments.get(SpoolPosition.seq(pos));
      if (seg == null) {
        break;
      }
      long end = readableEnd(seg);
      long offset = SpoolPosition.offset(pos);
      if (offset >= end) {
        long next = normalize(pos);
        if (next == pos) {
          break;
        }
        pos = next;
        continue;
      }
      byte[] line = seg.read(offset, end);
      if (line == null) {
        long skipTo = seg.sealed() && SpoolPosition.seq(appended) > seg.seq ? SpoolPosition.of(seg.seq + 1, 0) : appended;
        corruptBytes.addAndGet(end - offset);
        AuditSpool.LOG.error("audit spool {}: {} bytes at offset {} of {} are not a whole record and are skipped", dir,
            end - offset, offset, seg.path.getFileName());
        pos = normalize(skipTo);
        continue;
      }
      if (pos < runStart) {
        replayed++;
      }
      lines.add(line);
      size += line.length;
      pos = SpoolPosition.of(seg.seq, offset + SpoolSegment.frameBytes(line));
    }
    return new SpoolBatch(lines, pos, replayed);
  }

  /** The end of what readers may read in {@code seg}. */
  long readableEnd(SpoolSegment seg) {
    long a = appended;
    if (SpoolPosition.seq(a) == seg.seq) {
      return SpoolPosition.offset(a);
    }
    return SpoolPosition.seq(a) > seg.seq ? seg.size() : 0;
  }

  /** The same position, moved to the start of the next segment when it is at (or past) the end of a finished one. */
  long normalize(long pos) {
    while (true) {
      long seq = SpoolPosition.seq(pos);
      SpoolSegment seg = segments.get(seq);
      if (seg == null) {
        Long next = segments.ceilingKey(seq);
        return next == null || next == seq ? pos : SpoolPosition.of(next, 0);
      }
      // Sealed means its size is final (sealing follows its last append).
      if (seg.sealed() && SpoolPosition.offset(pos) >= seg.size()) {
        Long next = segments.higherKey(seq);
        if (next == null) {
          return pos;
        }
        pos = SpoolPosition.of(next, 0);
      } else {
        return pos;
      }
    }
  }

  /** Makes every reader waiting in {@link #awaitAppended} look again. */
  void wakeReaders() {
    lock.lock();
    try {
      appendedSignal.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits at most {@code nanos} for an append past {@code pos}. */
  void awaitAppended(long pos, long nanos) throws InterruptedException {
    lock.lock();
    try {
      if (normalize(pos) >= appended && !closed) {
        appendedSignal.awaitNanos(nanos);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Waits at most {@code millis} for a reader to free space (or returns at once when one just did). */
  void awaitSpace(long millis) throws InterruptedException {
    lock.lock();
    try {
      spaceSignal.await(millis, TimeUnit.MILLISECONDS);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Deletes the sealed segments before the one {@code minAcknowledged} (read under the lock) points
   * into, and wakes a writer waiting for space if any went. A deletion that fails is counted and
   * logged (once per interval while it keeps failing); its segment stays until a later one works.
   */
  void deleteAcknowledged(LongSupplier minAcknowledged) {
    lock.lock();
    try {
      long minSeq = SpoolPosition.seq(minAcknowledged.getAsLong());
      boolean freed = false;
      for (Map.Entry<Long, SpoolSegment> e = segments.firstEntry(); e != null && e.getKey() < minSeq
          && e.getValue().sealed() && e.getValue() != active; e = segments.firstEntry()) {
        SpoolSegment seg = e.getValue();
        try {
          seg.delete();
          deletions.succeeded();
        } catch (IOException ex) {
          diskErrors.incrementAndGet();
          deletions.failed(seg.path.getFileName() + " stays, and its space in use, until a later deletion works", ex);
          break;
        }
        segments.remove(seg.seq);
        bytes.addAndGet(-seg.size());
        freed = true;
      }
      if (freed) {
        spaceSignal.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Bytes appended from {@code from} on (a reader's acknowledged position) to the end of the last append. */
  long bytesAfter(long from) {
    long at = normalize(from);
    long lag = 0;
    for (SpoolSegment s : segments.tailMap(SpoolPosition.seq(at)).values()) {
      lag += s.seq == SpoolPosition.seq(appended) ? SpoolPosition.offset(appended) : s.size();
    }
    return Math.max(0, lag - SpoolPosition.offset(at));
  }

  /** Age of the record at {@code pos}, in milliseconds; 0 when there is none (everything there was read). */
  long ageMillisAt(long pos) {
    if (pos >= appended) {
      return 0;
    }
    SpoolSegment seg = segments.get(SpoolPosition.seq(pos));
    if (seg == null || SpoolPosition.offset(pos) >= readableEnd(seg)) {
      return 0;
    }
    try {
      return Math.max(0, System.currentTimeMillis() - seg.appendMillis(SpoolPosition.offset(pos)));
    } catch (IOException e) {
      return 0; // deleted under us: acknowledged meanwhile
    }
  }

  /** Wakes every reader for the last time and closes the segment files. */
  void close() {
    closed = true;
    lock.lock();
    try {
      appendedSignal.signalAll();
    } finally {
      lock.unlock();
    }
    for (SpoolSegment s : segments.values()) {
      s.close();
    }
  }
}
