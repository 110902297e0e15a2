package dev.passage.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk write-ahead log of audit lines under {@code audit.spool.dir}: the writer thread appends
 * each batch (one write, one fsync with {@link FsyncPolicy#BATCH}) before its records count as
 * accepted; every sink reads it from its own {@link SpoolCursor} on its own delivery thread, so a
 * sink that is down holds back nobody but itself. A segment file is deleted once every sink
 * acknowledged all of it; at start, each sink is given again what it had not acknowledged.
 *
 * <p>A position is a segment's sequence number (high 32 bits) and a byte offset in it (low 32
 * bits), so positions of different segments compare in log order and a segment's length never
 * shifts the next one's numbering.
 *
 * <p>The public methods are read-only views for metrics and readiness; the pipeline drives the rest.
 */
public final class AuditSpool {

  private static final Logger LOG = LoggerFactory.getLogger(AuditSpool.class);
  /** How often a continuing problem (lost records, failed cursor writes) is logged again. */
  static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final String LOCK_FILE = ".lock";
  /** This gateway instance's id, made at the spool's first start and kept with it. */
  static final String INSTANCE_FILE = "instance.id";

  private final SpoolSettings settings;
  private final Path dir;
  private final long segmentBytes;
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  private final ConcurrentSkipListMap<Long, SpoolSegment> segments = new ConcurrentSkipListMap<>();
  private final Map<String, SpoolCursor> cursors;
  /** Guards segment creation and deletion; its conditions wake readers (appended) and the writer (space). */
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition appendedSignal = lock.newCondition();
  private final Condition spaceSignal = lock.newCondition();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong appendedRecords = new AtomicLong();
  private final AtomicLong lostRecords = new AtomicLong();
  private final AtomicLong diskErrors = new AtomicLong();
  private final AtomicLong replayedRecords = new AtomicLong();
  private final AtomicLong corruptBytes = new AtomicLong();
  /** Where this run's first append goes: sinks reading before it replay an earlier run's records. */
  private final long runStart;
  /** The id of the gateway instance that owns this spool (written into chained records). */
  private final String instance;
  /** The end of the last whole append: readers never look past it. */
  private volatile long appended;
  /** Appended to by the writer thread only; read by delivery threads when they delete segments. */
  private volatile SpoolSegment active;
  private final CRC32C crc = new CRC32C(); // writer thread
  private ByteBuffer frameBuffer = ByteBuffer.allocate(64 * 1024); // writer thread
  private boolean unforced; // writer thread
  private long lastForceNanos = System.nanoTime(); // writer thread
  /** Full or failing: set by a refused append, cleared by the next successful one. */
  private volatile String problem;
  private volatile long problemSinceNanos;
  private long problemLoggedNanos; // writer thread
  private long refusedSinceLog; // writer thread
  /** Failures that repeat while a disk problem lasts, each logged once per interval instead of per attempt. */
  private final RecurringFailureLog cursorWrites;
  private final RecurringFailureLog deletions;
  private final RecurringFailureLog fsyncs;
  private long lostLoggedNanos; // writer thread
  private long lostSinceLog; // writer thread
  private volatile boolean closed;

  private AuditSpool(SpoolSettings settings, FileChannel lockChannel, FileLock fileLock, List<String[]> sinks)
      throws IOException {
    this.settings = settings;
    this.dir = settings.dir().toAbsolutePath();
    this.segmentBytes = settings.segmentBytes();
    this.lockChannel = lockChannel;
    this.fileLock = fileLock;
    this.cursorWrites = new RecurringFailureLog(LOG, "audit spool " + dir + ": persisting a sink's cursor", LOG_EVERY_NANOS);
    this.deletions = new RecurringFailureLog(LOG, "audit spool " + dir + ": deleting a delivered segment", LOG_EVERY_NANOS);
    this.fsyncs = new RecurringFailureLog(LOG, "audit spool " + dir + ": fsync", LOG_EVERY_NANOS);
    recoverSegments();
    long nextSeq = segments.isEmpty() ? 0 : segments.lastKey() + 1;
    this.active = SpoolSegment.create(dir, nextSeq);
    segments.put(nextSeq, active);
    forceDirectory(dir);
    this.runStart = position(nextSeq, 0);
    this.appended = runStart;
    this.cursors = openCursors(sinks);
    this.instance = loadInstance();
  }

  /** The instance id kept in {@link #INSTANCE_FILE}, made (random) when there is none yet. */
  private String loadInstance() throws IOException {
    Path file = dir.resolve(INSTANCE_FILE);
    if (Files.exists(file)) {
      String id = Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII).trim();
      try {
        ChainHead.start(id); // the same character rules as a stream id
        return id;
      } catch (IllegalArgumentException e) {
        throw new IOException("audit spool " + dir + ": " + INSTANCE_FILE + " does not hold a valid instance id ("
            + e.getMessage() + "); restore it, or delete it to start a new instance", e);
      }
    }
    String id = java.util.UUID.randomUUID().toString();
    Path tmp = dir.resolve(INSTANCE_FILE + ".tmp");
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap((id + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      while (b.hasRemaining()) {
        out.write(b);
      }
      out.force(true);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    forceDirectory(dir);
    return id;
  }

  /** The id of the gateway instance this spool belongs to. */
  public String instance() {
    return instance;
  }

  /**
   * Opens (creating) the spool in {@code settings.dir()} for the sinks named by {@code sinks}
   * (each {@code [key, description]}), recovering what an earlier run left: a torn tail is cut,
   * each sink resumes at its acknowledged position. Fails when another process holds the directory.
   */
  static AuditSpool open(SpoolSettings settings, List<String[]> sinks) throws IOException {
    Path dir = settings.dir().toAbsolutePath();
    Files.createDirectories(dir);
    FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock fileLock;
    try {
      fileLock = lockChannel.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      lockChannel.close();
      fileLock = null; // this JVM holds it already: as taken as if another process did
    } catch (IOException | RuntimeException e) {
      lockChannel.close();
      throw e;
    }
    if (fileLock == null) {
      lockChannel.close();
      throw new IOException("audit spool " + dir + " is in use by another process; each gateway needs its own audit.spool.dir");
    }
    try {
      return new AuditSpool(settings, lockChannel, fileLock, sinks);
    } catch (IOException | RuntimeException e) {
      lockChannel.close();
      throw e;
    }
  }

  static long position(long seq, long offset) {
    return (seq << 32) | offset;
  }

  static long seqOf(long position) {
    return position >>> 32;
  }

  static long offsetOf(long position) {
    return position & 0xFFFF_FFFFL;
  }

  private void recoverSegments() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> SpoolSegment.seqOf(p) >= 0).sorted().toList();
    }
    try (Stream<Path> list = Files.list(dir)) {
      for (Path tmp : list.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
        Files.deleteIfExists(tmp); // a cursor write a crash interrupted; the old cursor file stands
      }
    }
    for (int i = 0; i < files.size(); i++) {
      long[] cut = {0};
      SpoolSegment s = SpoolSegment.recover(files.get(i), SpoolSegment.seqOf(files.get(i)), i == files.size() - 1, cut);
      if (cut[0] > 0) {
        LOG.warn("audit spool {}: cut {} bytes of a write torn by the last stop from {}; no record that counted as "
            + "spooled was in them", dir, cut[0], s.path.getFileName());
      }
      segments.put(s.seq, s);
      bytes.addAndGet(s.size());
    }
    if (!files.isEmpty()) {
      LOG.info("audit spool {}: {} segments with {} bytes left by the last run", dir, files.size(), bytes.get());
    }
  }

  private Map<String, SpoolCursor> openCursors(List<String[]> sinks) throws IOException {
    Map<String, SpoolCursor> open = new LinkedHashMap<>();
    long oldest = position(segments.firstKey(), 0);
    for (String[] sink : sinks) {
      SpoolCursor c = new SpoolCursor(dir, sink[0], sink[1]);
      long at = c.load();
      if (at < 0) {
        at = oldest;
        if (bytes.get() > 0) {
          LOG.info("audit spool {}: {} has no cursor here (new sink, or its cursor file was lost); it gets every "
              + "record the spool still holds", dir, sink[1]);
        }
      } else if (at > runStart || segments.get(seqOf(at)) == null && seqOf(at) >= segments.firstKey()) {
        LOG.warn("audit spool {}: the cursor of {} points at {}, which is not in the spool; it starts again at the "
            + "oldest record (duplicates, not losses)", dir, sink[1], at);
        at = oldest;
      }
      c.acknowledged(Math.max(at, oldest));
      if (open.putIfAbsent(c.key, c) != null) {
        throw new IOException("two audit sinks would share the spool cursor " + c.key + " (" + sink[1]
            + "); give each sink its own path or topic");
      }
    }
    try (Stream<Path> list = Files.list(dir)) {
      for (Path f : list.filter(p -> p.getFileName().toString().endsWith(SpoolCursor.SUFFIX)).toList()) {
        String key = f.getFileName().toString();
        key = key.substring(0, key.length() - SpoolCursor.SUFFIX.length());
        if (!open.containsKey(key)) {
          // A sink no longer configured: its cursor would keep every segment forever.
          LOG.warn("audit spool {}: removing the cursor of a sink that is no longer configured ({})", dir, f.getFileName());
          Files.deleteIfExists(f);
        }
      }
    }
    return open;
  }

  SpoolCursor cursor(String key) {
    return Objects.requireNonNull(cursors.get(key), key);
  }

  /** Where this run's appends begin: records before it are replays of an earlier run. */
  long runStart() {
    return runStart;
  }

  // ---------------------------------------------------------------- writer thread

  /**
   * Appends as many of {@code lines} from index {@code from} as fit, in one write (and one fsync
   * under {@link FsyncPolicy#BATCH}); returns how many (>= 1).
   *
   * @throws SpoolFullException when not even the first fits (nothing was appended)
   * @throws IOException when the disk failed (nothing counts as appended; part of it may be, so a retry may duplicate)
   */
  int append(List<byte[]> lines, int from) throws IOException {
    if (closed) {
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
          : "full: " + bytes.get() + " of " + settings.maxBytes() + " bytes wait for a sink";
      refused(why, null);
      throw new SpoolFullException("audit spool " + dir + " " + why, need > settings.maxBytes() / 2);
    }
    long need = 0;
    for (int i = from; i < from + n; i++) {
      need += SpoolSegment.frameBytes(lines.get(i));
    }
    try {
      if (active.sealed() || active.size() > 0 && active.size() + need > segmentBytes) {
        roll();
      }
      ByteBuffer frames = frames(need);
      long now = System.currentTimeMillis();
      for (int i = from; i < from + n; i++) {
        SpoolSegment.putFrame(frames, lines.get(i), now, crc);
      }
      frames.flip();
      active.append(frames);
      bytes.addAndGet(need);
      unforced = true;
      if (settings.fsync() == FsyncPolicy.BATCH) {
        force();
      }
    } catch (IOException e) {
      diskErrors.incrementAndGet();
      refused("disk failed: " + e.getMessage(), e);
      throw e;
    }
    appendedRecords.addAndGet(n);
    publish(position(active.seq, active.size()));
    if (problem != null) {
      LOG.info("audit spool {} takes records again after {} ms ({})", dir,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - problemSinceNanos), problem);
      problem = null;
    }
    return n;
  }

  private int fitting(List<byte[]> lines, int from) {
    long free = settings.maxBytes() - bytes.get();
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

  /** Seals the active segment (forced, so a sealed segment is whole on disk) and starts the next. */
  private void roll() throws IOException {
    SpoolSegment old = active;
    if (!old.sealed() && unforced) {
      force();
    }
    old.seal();
    lock.lock();
    try {
      long seq = segments.lastKey() + 1;
      SpoolSegment next = SpoolSegment.create(dir, seq);
      segments.put(seq, next);
      active = next;
    } finally {
      lock.unlock();
    }
    forceDirectory(dir); // the new file's name must survive a power cut as its contents will
  }

  private void publish(long position) {
    lock.lock();
    try {
      appended = position;
      appendedSignal.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void force() throws IOException {
    active.force();
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
    long min = minAcknowledged();
    if (min >= appended && active.size() > 0 && !active.sealed()) {
      roll();
    }
    deleteAcknowledged();
  }

  /**
   * An append was refused. Logged when the refusal starts, then again at most once per {@link
   * #LOG_EVERY_NANOS} while it lasts: the writer retries every few milliseconds to a second, and each
   * retry (or each request, under fail_open) must not be a log line of its own.
   */
  private void refused(String why, IOException cause) {
    long now = System.nanoTime();
    String policy = settings.onFull() == SpoolFullPolicy.FAIL_CLOSED
        ? "new exchanges on audited routes are refused (503) until it takes records again"
        : "records are lost (counted) until it takes records again";
    if (problem == null) {
      problemSinceNanos = now;
      problemLoggedNanos = now;
      refusedSinceLog = 0;
      if (cause != null) {
        LOG.error("audit spool {} cannot take records, treated as full: {}; {}", dir, why, policy, cause);
      } else {
        LOG.warn("audit spool {} cannot take records: {}; {}", dir, why, policy);
      }
    } else {
      refusedSinceLog++;
      if (now - problemLoggedNanos >= LOG_EVERY_NANOS) {
        String still = "audit spool {} still cannot take records after {} s ({} refused appends since the last report): {}; {}";
        long seconds = TimeUnit.NANOSECONDS.toSeconds(now - problemSinceNanos);
        if (cause != null) {
          LOG.error(still, dir, seconds, refusedSinceLog, why, policy);
        } else {
          LOG.warn(still, dir, seconds, refusedSinceLog, why, policy);
        }
        problemLoggedNanos = now;
        refusedSinceLog = 0;
      }
    }
    // Published after the log line: whoever sees the spool refusing can find why in the log.
    problem = why;
  }

  /** {@code n} records will never reach the spool (fail_open, or too large). Counted always, logged once per interval. */
  void lost(int n) {
    lostRecords.addAndGet(n);
    lostSinceLog += n;
    long now = System.nanoTime();
    if (lostLoggedNanos == 0 || now - lostLoggedNanos >= LOG_EVERY_NANOS) {
      LOG.error("audit spool {}: {} audit records lost since the last report (at most one every 10 s): {}", dir,
          lostSinceLog, problem);
      lostLoggedNanos = now;
      lostSinceLog = 0;
    }
  }

  /** Waits at most {@code millis} for a sink to free space (or returns at once when one just did). */
  void awaitSpace(long millis) throws InterruptedException {
    lock.lock();
    try {
      spaceSignal.await(millis, TimeUnit.MILLISECONDS);
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- delivery threads

  /**
   * Up to {@code maxRecords} lines (and about {@code maxBytes}) from {@code from} on, never past the
   * last whole append. A frame that fails its check (a torn write an earlier disk failure left in
   * a sealed segment, or corruption) ends its segment for readers, loudly.
   */
  SpoolBatch read(long from, int maxRecords, long maxBytes) throws IOException {
    List<byte[]> lines = new ArrayList<>();
    long pos = normalize(from);
    long size = 0;
    int replayed = 0;
    while (lines.size() < maxRecords && size < maxBytes) {
      SpoolSegment seg = segments.get(seqOf(pos));
      if (seg == null) {
        break;
      }
      long end = readableEnd(seg);
      long offset = offsetOf(pos);
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
        long skipTo = seg.sealed() && seqOf(appended) > seg.seq ? position(seg.seq + 1, 0) : appended;
        corruptBytes.addAndGet(end - offset);
        LOG.error("audit spool {}: {} bytes at offset {} of {} are not a whole record and are skipped", dir,
            end - offset, offset, seg.path.getFileName());
        pos = normalize(skipTo);
        continue;
      }
      if (pos < runStart) {
        replayed++;
      }
      lines.add(line);
      size += line.length;
      pos = position(seg.seq, offset + SpoolSegment.frameBytes(line));
    }
    return new SpoolBatch(lines, pos, replayed);
  }

  /** The end of what readers may read in {@code seg}. */
  private long readableEnd(SpoolSegment seg) {
    long a = appended;
    if (seqOf(a) == seg.seq) {
      return offsetOf(a);
    }
    return seqOf(a) > seg.seq ? seg.size() : 0;
  }

  /** The same position, moved to the start of the next segment when it is at (or past) the end of a finished one. */
  private long normalize(long pos) {
    while (true) {
      long seq = seqOf(pos);
      SpoolSegment seg = segments.get(seq);
      if (seg == null) {
        Long next = segments.ceilingKey(seq);
        return next == null || next == seq ? pos : position(next, 0);
      }
      // Sealed means its size is final (sealing follows its last append).
      if (seg.sealed() && offsetOf(pos) >= seg.size()) {
        Long next = segments.higherKey(seq);
        if (next == null) {
          return pos;
        }
        pos = position(next, 0);
      } else {
        return pos;
      }
    }
  }

  /** Whether {@code pos} is at the end of everything appended so far. */
  boolean caughtUp(long pos) {
    return normalize(pos) >= appended;
  }

  /** Makes every delivery waiting in {@link #awaitAppended} look again. */
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

  /**
   * A sink stored everything before {@code pos}: persist its cursor, delete segments every sink
   * has, wake a writer waiting for space. A cursor that cannot be written is logged; the position
   * still counts in memory (the worst a stale cursor file causes is a replay).
   */
  void acknowledge(SpoolCursor cursor, long pos, int replayed, ChainHead head) {
    replayedRecords.addAndGet(replayed);
    try {
      cursor.store(pos, head);
      cursorWrites.succeeded();
    } catch (IOException e) {
      diskErrors.incrementAndGet();
      cursorWrites.failed("the cursor of " + cursor.sink + " stays where it was on disk, so after a restart that sink "
          + "gets records again (duplicates, not losses)", e);
    }
    cursor.acknowledged(pos);
    cursor.head(head);
    deleteAcknowledged();
  }

  private long minAcknowledged() {
    long min = Long.MAX_VALUE;
    for (SpoolCursor c : cursors.values()) {
      min = Math.min(min, normalize(c.acknowledged()));
    }
    return min;
  }

  private void deleteAcknowledged() {
    lock.lock();
    try {
      long minSeq = seqOf(minAcknowledged());
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

  // ---------------------------------------------------------------- views

  /** Segment bytes on disk now. */
  public long bytes() {
    return bytes.get();
  }

  /** {@code audit.spool.max_bytes}. */
  public long maxBytes() {
    return settings.maxBytes();
  }

  public int segments() {
    return segments.size();
  }

  public SpoolSettings settings() {
    return settings;
  }

  /** Records appended since start. */
  public long appendedRecords() {
    return appendedRecords.get();
  }

  /** Records that never reached the spool under {@link SpoolFullPolicy#FAIL_OPEN}. */
  public long lostRecords() {
    return lostRecords.get();
  }

  /** A delivery thread could not read the spool (it retries). */
  void readFailed() {
    diskErrors.incrementAndGet();
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
    return corruptBytes.get();
  }

  /** Why the spool refuses records now (full, or the disk failed), or null while it takes them. */
  public String problem() {
    return problem;
  }

  /** Whether the last append was refused (full or failing) and none has succeeded since. */
  public boolean isRefusing() {
    return problem != null;
  }

  /** Age of the oldest record some sink has not acknowledged, in milliseconds; 0 when every sink has everything. */
  public long oldestUnacknowledgedAgeMillis() {
    long min = minAcknowledged();
    if (min >= appended) {
      return 0;
    }
    SpoolSegment seg = segments.get(seqOf(min));
    if (seg == null || offsetOf(min) >= readableEnd(seg)) {
      return 0;
    }
    try {
      return Math.max(0, System.currentTimeMillis() - seg.appendMillis(offsetOf(min)));
    } catch (IOException e) {
      return 0; // deleted under us: acknowledged meanwhile
    }
  }

  /**
   * Bytes appended that some sink has not acknowledged: what the spool would replay after a crash.
   * Unlike {@link #bytes()} it falls to 0 when every sink caught up, even before the segments those
   * bytes sit in are rolled and deleted.
   */
  public long unacknowledgedBytes() {
    long max = 0;
    for (String key : cursors.keySet()) {
      max = Math.max(max, lagBytes(key));
    }
    return max;
  }

  /** The cursor keys of the sinks, in config order: file-safe forms of their descriptions. */
  public List<String> sinkKeys() {
    return List.copyOf(cursors.keySet());
  }

  /** Bytes appended that the sink with cursor {@code key} (one of {@link #sinkKeys()}) has not acknowledged. */
  public long lagBytes(String key) {
    long at = normalize(cursor(key).acknowledged());
    long lag = 0;
    for (SpoolSegment s : segments.tailMap(seqOf(at)).values()) {
      lag += s.seq == seqOf(appended) ? offsetOf(appended) : s.size();
    }
    return Math.max(0, lag - offsetOf(at));
  }

  /** Writer thread, last act: forces what is unforced and releases the directory. Readers may still read until {@link #close()}. */
  void finishAppending() {
    forceIfDue(true);
  }

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
    try {
      fileLock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("audit spool {}: releasing its lock failed", dir, e);
    }
  }

  /** Makes a file creation, rename or deletion in {@code dir} durable. */
  static void forceDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /** What {@link #read} found: the lines, the position after them, and how many were an earlier run's. */
  record SpoolBatch(List<byte[]> lines, long next, int replayed) {}
}
