package dev.passage.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded queue of {@link PendingRecord}s and the one thread, {@code passage-audit-writer}, that
 * renders and writes them to every sink. Nothing here blocks a caller: with {@link
 * QueueFullPolicy#BLOCK} callers reserve a slot ({@link #tryReserve()}) before an exchange and are
 * called back ({@link #whenSlotFree}) when none is free; with {@link QueueFullPolicy#DROP} a record
 * that finds the queue full is dropped and counted.
 *
 * <p>A slot is held from reservation (or submit) until the record has been written and released, so
 * {@code slotsInUse() <= capacity()} bounds every record the pipeline holds, including a
 * batch stuck on a failing sink. Every record handed to {@link #submit} is released exactly once and
 * ends up counted in exactly one of {@link #written()} and {@link #dropped()}.
 */
public final class AuditPipeline {

  private static final Logger LOG = LoggerFactory.getLogger(AuditPipeline.class);

  /** The flush interval to configure when none is given: at most one second of lines at risk. */
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);

  private final QueueFullPolicy policy;
  private final BatchWriter batchWriter;
  private final RecordQueue queue;
  private final Slots slots;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean loggedSubmitAfterClose = new AtomicBoolean();
  private final Thread writer;
  /** With a spool: the spool, one delivery per sink (and its thread), and the records appended. */
  private final AuditSpool spool;
  private final List<SinkDelivery> deliveries = new ArrayList<>();
  private final List<Thread> deliveryThreads = new ArrayList<>();
  private final AtomicLong spooled = new AtomicLong();
  /** The anchor's own thread, to which every sink's stored checkpoints go; null without an anchor. */
  private AnchorWriter anchor;
  /** Whether sinks' records are chained ({@link IntegritySettings} given). */
  private final boolean chained;
  /** The signing key's id, then earlier keys' ids; empty without a signing key. */
  private final List<String> keyIds;

  /** Without a byte bound on the queue (records only). */
  public AuditPipeline(List<AuditSink> sinks, int queueRecords, QueueFullPolicy policy, Duration flushInterval) {
    this(sinks, queueRecords, Long.MAX_VALUE, policy, flushInterval);
  }

  /**
   * Validates the settings and starts the writer thread. The queue holds at most {@code queueRecords}
   * records and {@code queueBytes} of their {@link PendingRecord#heapBytes()} (admission stops at
   * either; see {@link #submitAdmitted} for the overshoot an admitted exchange may add).
   */
  public AuditPipeline(List<AuditSink> sinks, int queueRecords, long queueBytes, QueueFullPolicy policy,
      Duration flushInterval) {
    this(sinks, queueRecords, queueBytes, policy, flushInterval, null);
  }

  /**
   * As above, and with {@code spool} non-null the writer appends every record to the disk spool
   * in {@code spool.dir()} (opened here: a torn tail is cut, and each sink is given again what it had
   * not acknowledged), and each sink gets its own delivery thread reading from the spool, flushing
   * at {@code flushInterval}. Without, the writer writes to the sinks itself, as before.
   *
   * @throws UncheckedIOException when the spool directory cannot be opened (or another process holds it)
   */
  public AuditPipeline(List<AuditSink> sinks, int queueRecords, long queueBytes, QueueFullPolicy policy,
      Duration flushInterval, SpoolSettings spool) {
    this(sinks, queueRecords, queueBytes, policy, flushInterval, spool, null);
  }

  /**
   * As above, and with {@code integrity} non-null (which needs a spool) every line a sink stores is a
   * link of that sink's hash chain, its head kept in the sink's cursor file (see {@link
   * IntegritySettings}). The chain is made per sink at delivery, not once at append: each sink's
   * output is then a whole chain on its own (a sink added later starts its own stream instead of
   * holding links whose predecessors it never got), a checkpoint attests only what that sink stored,
   * and a replay from the sink's cursor re-links from the head stored with it, repeating the very
   * bytes the sink may already hold.
   */
  public AuditPipeline(List<AuditSink> sinks, int queueRecords, long queueBytes, QueueFullPolicy policy,
      Duration flushInterval, SpoolSettings spool, IntegritySettings integrity) {
    this(sinks, queueRecords, queueBytes, policy, flushInterval, spool, integrity, null);
  }

  /**
   * As above, with {@code anchor} (non-null: it replaces {@code integrity.anchor()}, and needs a signing
   * key) as the destination the checkpoints sinks stored also go to, on the pipeline's own anchor
   * thread: a Kafka topic, say. The pipeline closes it, also when this constructor fails.
   */
  public AuditPipeline(List<AuditSink> sinks, int queueRecords, long queueBytes, QueueFullPolicy policy,
      Duration flushInterval, SpoolSettings spool, IntegritySettings integrity, CheckpointAnchor anchor) {
    try {
      if (anchor != null && (integrity == null || !integrity.signs())) {
        throw new IllegalArgumentException("an anchor needs a signing key: it holds signed checkpoints");
      }
    } catch (IllegalArgumentException e) {
      closeQuietly(anchor);
      throw e;
    }
    Objects.requireNonNull(sinks, "sinks");
    if (integrity != null && spool == null) {
      throw new IllegalArgumentException("audit integrity needs a spool: the chain head is kept with it");
    }
    this.chained = integrity != null;
    this.keyIds = integrity == null ? List.of() : integrity.keyIds();
    if (sinks.isEmpty() || sinks.stream().anyMatch(Objects::isNull)) {
      throw new IllegalArgumentException("audit pipeline needs at least one sink and no null sinks, got " + sinks);
    }
    if (queueRecords < 1) {
      throw new IllegalArgumentException("audit queue must hold >= 1 record, got " + queueRecords);
    }
    Objects.requireNonNull(flushInterval, "flushInterval");
    if (flushInterval.isNegative() || flushInterval.isZero()) {
      throw new IllegalArgumentException("audit flush interval must be > 0, got " + flushInterval);
    }
    this.policy = Objects.requireNonNull(policy, "policy");
    if (queueBytes < 1) {
      throw new IllegalArgumentException("audit queue must hold >= 1 byte, got " + queueBytes);
    }
    // A quarter of the queue wakes the writer early, so a small queue never waits out a linger full.
    this.queue = new RecordQueue(Math.max(1, Math.min(128, queueRecords / 4)));
    this.slots = new Slots(queueRecords, queue::wake);
    this.slots.limitBytes(queueBytes);
    Runnable loop;
    if (spool == null) {
      this.spool = null;
      this.batchWriter = new BatchWriter(sinks);
      loop = new WriterLoop(queue, slots, batchWriter, written, dropped, flushInterval.toNanos(),
          policy == QueueFullPolicy.DROP);
    } else {
      this.batchWriter = new BatchWriter(List.of()); // renders only: the deliveries write
      List<String[]> keys = new ArrayList<>();
      for (AuditSink s : sinks) {
        keys.add(new String[] {SpoolCursor.keyFor(s.describe()), s.describe()});
      }
      try {
        this.spool = AuditSpool.open(spool, keys);
      } catch (IOException e) {
        closeQuietly(anchor);
        throw new UncheckedIOException("cannot open the audit spool " + spool.dir() + ": " + e.getMessage(), e);
      }
      String keyId = null;
      if (integrity != null && integrity.signs()) {
        keyId = Ed25519Keys.keyId(Ed25519Keys.publicOf(integrity.signingKey()));
        CheckpointAnchor target = anchor;
        if (target == null && integrity.anchor() != null) {
          try {
            target = new AnchorFile(integrity.anchor());
          } catch (IOException e) {
            this.spool.close();
            throw new UncheckedIOException("cannot open the audit anchor " + integrity.anchor() + ": " + e.getMessage(), e);
          }
        }
        this.anchor = target == null ? null : new AnchorWriter(target, AnchorWriter.DEFAULT_CAPACITY);
      } else {
        closeQuietly(anchor);
      }
      for (int i = 0; i < sinks.size(); i++) {
        SpoolCursor cursor = this.spool.cursor(keys.get(i)[0]);
        RecordChain chain = null;
        if (integrity != null) {
          // No head stored (a new sink, a lost cursor, or records not chained before): a new stream.
          chain = new RecordChain(this.spool.instance(), cursor.head() != null ? cursor.head() : ChainHead.fresh());
        }
        CheckpointWriter checkpoints = null;
        if (integrity != null && integrity.signs()) {
          checkpoints = new CheckpointWriter(integrity, keyId, this.anchor, chain.head());
        }
        SinkDelivery d = new SinkDelivery(this.spool, cursor, sinks.get(i), flushInterval.toNanos(), chain, checkpoints);
        deliveries.add(d);
        Thread t = new Thread(d, "passage-audit-deliver-" + i);
        t.setDaemon(false); // as the writer: close() ends it
        deliveryThreads.add(t);
      }
      loop = new SpoolWriterLoop(queue, slots, batchWriter, this.spool, spooled, dropped,
          policy == QueueFullPolicy.DROP);
    }
    this.writer = new Thread(loop, "passage-audit-writer");
    // Not a daemon: the JVM must not exit with records still queued; close() ends the thread.
    this.writer.setDaemon(false);
    this.writer.start();
    if (this.anchor != null) {
      this.anchor.start();
    }
    deliveryThreads.forEach(Thread::start);
  }

  private static void closeQuietly(CheckpointAnchor anchor) {
    if (anchor != null) {
      try {
        anchor.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("closing {} failed", anchor.describe(), e);
      }
    }
  }

  /**
   * Whether an exchange may start now: under BLOCK, the queue has a free slot for records waiting
   * to be written (DROP, or after close: always). Nothing is reserved: the exchange's record is
   * queued with {@link #submitAdmitted} when it ends, however long it lived, so a long-lived
   * stream never holds admission for anyone.
   */
  public boolean hasRoom() {
    return policy == QueueFullPolicy.DROP || queue.isClosed() || slots.anyFree();
  }

  /**
   * Queues the record of an exchange let in by {@link #hasRoom()}. Under BLOCK it is accepted even
   * past capacity: it was let in when there was room, and its record is the promise. The excess is
   * bounded by the exchanges in flight (one per client connection, server.max_connections); new
   * exchanges wait until the writer is back under capacity. DROP: as {@link #submit}.
   */
  public boolean submitAdmitted(PendingRecord record) {
    Objects.requireNonNull(record, "record");
    if (policy == QueueFullPolicy.DROP) {
      return submit(record);
    }
    long bytes = WriterLoop.heapBytes(record);
    slots.takeAlways();
    slots.accepted(bytes);
    if (queue.offer(record)) {
      return true;
    }
    slots.recordsDone(1, bytes);
    if (loggedSubmitAfterClose.compareAndSet(false, true)) {
      LOG.warn("audit record submitted after the pipeline was closed; it and any later ones are dropped");
    }
    dropped.incrementAndGet();
    AwaitedRecord.settle(record, false);
    WriterLoop.release(record);
    return false;
  }

  /**
   * As {@link #submitAdmitted(PendingRecord)}, and {@code whenSpooled} is told once the record is
   * in the spool (or will never be): the hook for {@code audit.delivery: sync}, where the last bytes
   * of a response wait for its record. Group commit: the writer appends (and under {@code fsync:
   * batch} forces) a whole batch, then runs its callbacks in order, on the writer thread; hop back
   * to the event loop there. Under {@code on_full: fail_closed} a full spool delays the callback
   * until space frees; it is never dropped silently. When the record is dropped at once (DROP
   * policy, closed pipeline) the callback runs on the calling thread before this returns false.
   */
  public boolean submitAdmitted(PendingRecord record, SpoolCallback whenSpooled) {
    Objects.requireNonNull(whenSpooled, "whenSpooled");
    return submitAdmitted(new AwaitedRecord(Objects.requireNonNull(record, "record"), whenSpooled));
  }

  /**
   * BLOCK: reserves a slot for a record this caller will {@link #submit} (or {@link
   * #cancelReservation cancel}); false when none is free. DROP, or after close: true, reserving nothing.
   */
  public boolean tryReserve() {
    if (policy == QueueFullPolicy.DROP || queue.isClosed()) {
      return true;
    }
    return slots.reserve();
  }

  /**
   * Runs {@code callback} once, on the writer thread, as soon as a slot may be free (or the pipeline
   * closed); the caller then hops back to its own thread and calls {@link #tryReserve()} again, which
   * may fail again if another caller was faster. After the writer thread has ended the callback runs
   * at once on the calling thread.
   */
  public void whenSlotFree(Runnable callback) {
    Objects.requireNonNull(callback, "callback");
    slots.whenFree(callback, policy == QueueFullPolicy.DROP || queue.isClosed());
  }

  /** Gives back a slot reserved by {@link #tryReserve()} for an exchange that yields no record. */
  public void cancelReservation() {
    if (policy == QueueFullPolicy.DROP) {
      return;
    }
    if (slots.takeReservation()) {
      slots.free(1);
    } else if (!queue.isClosed()) {
      throw new IllegalStateException("cancelReservation() without a reservation from tryReserve()");
    }
  }

  /**
   * Queues a record for writing. BLOCK: uses the caller's reservation, so it is accepted (without one
   * it is accepted only if a slot is free). DROP: accepted when a slot is free. Otherwise, and after
   * close, the record is released, counted as dropped, and false is returned.
   */
  public boolean submit(PendingRecord record) {
    Objects.requireNonNull(record, "record");
    long bytes = WriterLoop.heapBytes(record);
    boolean slot = policy == QueueFullPolicy.BLOCK ? slots.takeReservation() || slots.takeFree() : slots.takeFree();
    if (slot && policy == QueueFullPolicy.DROP && !slots.bytesFit(bytes)) {
      slots.free(1);
      slot = false;
    }
    if (slot) {
      slots.accepted(bytes);
      if (queue.offer(record)) {
        return true;
      }
      slots.recordsDone(1, bytes);
    }
    if (queue.isClosed() && loggedSubmitAfterClose.compareAndSet(false, true)) {
      LOG.warn("audit record submitted after the pipeline was closed; it and any later ones are dropped");
    }
    dropped.incrementAndGet();
    AwaitedRecord.settle(record, false);
    WriterLoop.release(record);
    return false;
  }

  /**
   * Stops accepting records, writes every queued one, flushes and closes the sinks, and ends the
   * writer thread. Returns after at most {@code timeout}; if a sink keeps failing past it, the writer
   * gives up: the unwritten records are logged, released and counted as dropped. Safe to call twice.
   *
   * <p>With a spool: the writer appends every queued record (giving up as above if the spool keeps
   * refusing), then each delivery gets the rest of {@code timeout} to deliver and acknowledge what
   * is spooled; a sink still behind then is stopped, and the spool keeps its records for the next
   * start (nothing is dropped for it).
   */
  public void close(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (Thread.currentThread() == writer) {
      throw new IllegalStateException("close() from the audit writer thread (a whenSlotFree callback) would wait for itself");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    queue.close();
    try {
      writer.join(Math.max(1, timeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      LOG.error("audit pipeline did not finish within {}: {} records not written are dropped; sink errors so far: {}",
          timeout, slots.pending(), batchWriter.sinkErrors());
      writer.interrupt(); // only close() interrupts the writer, and it means: give up
      try {
        // Let it count what it gives up (dropped) and close the sinks before callers read counters.
        writer.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (spool != null) {
      closeDeliveries(deadline);
    }
  }

  private void closeDeliveries(long deadline) {
    deliveries.forEach(SinkDelivery::drain);
    try {
      for (Thread t : deliveryThreads) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      for (int i = 0; i < deliveryThreads.size(); i++) {
        Thread t = deliveryThreads.get(i);
        if (t.isAlive()) {
          LOG.warn("audit delivery to {} did not catch up before the drain timeout; the spool keeps {} bytes for it "
              + "until the next start", deliveries.get(i).describe(), spool.lagBytes(deliveries.get(i).cursorKey()));
          t.interrupt();
          t.join(5_000);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    spool.close();
    if (anchor != null) {
      // The deliveries' last checkpoints are queued by now; the anchor gets what is left of the timeout.
      anchor.close(deadline);
    }
  }

  /**
   * Records stored by every sink (a flush succeeded). With a spool: records appended since start
   * that every sink has acknowledged (replays of an earlier run are counted by the spool).
   */
  public long written() {
    if (spool == null) {
      return written.get();
    }
    long min = Long.MAX_VALUE;
    for (SinkDelivery d : deliveries) {
      min = Math.min(min, d.acknowledgedFresh());
    }
    return min;
  }

  /** Cursor keys of the sinks whose records are chained (see {@link #chainHeadSeq}); empty without integrity. */
  public List<String> chainedSinks() {
    return chained ? deliveries.stream().map(SinkDelivery::cursorKey).toList() : List.of();
  }

  /** The seq of the last chained record the sink with cursor {@code key} stored (acknowledged); 0 before any. */
  public long chainHeadSeq(String key) {
    for (SinkDelivery d : deliveries) {
      if (d.cursorKey().equals(key)) {
        ChainHead h = d.acknowledgedHead();
        return h == null ? 0 : h.seq();
      }
    }
    return 0;
  }

  /**
   * Each chained sink's stream, the seq of the last record it stored, and the last checkpoint it
   * stored in this run (null before the first): what {@code /audit/head} serves. Empty without integrity.
   */
  public List<StreamHead> heads() {
    if (!chained) {
      return List.of();
    }
    List<StreamHead> heads = new ArrayList<>();
    for (SinkDelivery d : deliveries) {
      ChainHead h = d.acknowledgedHead();
      CheckpointWriter c = d.checkpoints();
      heads.add(new StreamHead(d.describe(), h == null ? null : h.stream(), h == null ? 0 : h.seq(),
          c == null ? null : c.latestStored()));
    }
    return heads;
  }

  /** The id of the key checkpoints are signed with, then those of earlier keys (audit.integrity.public_keys). */
  public List<String> keyIds() {
    return keyIds;
  }

  /** The id of this gateway instance (kept in the spool), or null without a spool. */
  public String instance() {
    return spool == null ? null : spool.instance();
  }

  /** Whether checkpoints are signed and written (a signing key is configured). */
  public boolean writesCheckpoints() {
    return deliveries.stream().anyMatch(d -> d.checkpoints() != null);
  }

  /** Milliseconds since the sink that stored a checkpoint least recently stored one (since start, before the first). */
  public long oldestCheckpointAgeMillis() {
    long now = System.currentTimeMillis();
    return deliveries.stream().filter(d -> d.checkpoints() != null)
        .mapToLong(d -> Math.max(0, now - d.checkpoints().lastStoredMillis())).max().orElse(0);
  }

  /** How long checkpoints have not been storable (a sink or the anchor failing), in milliseconds; 0 when they are. */
  public long checkpointsFailingMillis() {
    long now = System.currentTimeMillis();
    long sinks = deliveries.stream().filter(d -> d.checkpoints() != null).mapToLong(d -> {
      long since = d.checkpoints().failingSinceMillis();
      return since == 0 ? 0 : Math.max(1, now - since);
    }).max().orElse(0);
    long anchorSince = anchor == null ? 0 : anchor.failingSinceMillis();
    return Math.max(sinks, anchorSince == 0 ? 0 : Math.max(1, now - anchorSince));
  }

  /** Checkpoints stored by their sinks since start. */
  public long checkpointsWritten() {
    return deliveries.stream().filter(d -> d.checkpoints() != null).mapToLong(d -> d.checkpoints().written()).sum();
  }

  /** Failed appends to the anchor (each retried, on the anchor's own thread). */
  public long anchorErrors() {
    return anchor == null ? 0 : anchor.errors();
  }

  /** Checkpoints dropped before they reached the anchor: newer ones filled its queue while it failed. */
  public long anchorDroppedCheckpoints() {
    return anchor == null ? 0 : anchor.dropped();
  }

  /** Checkpoints waiting for the anchor. */
  public int anchorQueuedCheckpoints() {
    return anchor == null ? 0 : anchor.queued();
  }

  /** Whether checkpoints also go to an anchor. */
  public boolean hasAnchor() {
    return anchor != null;
  }

  /** Records appended to the spool since start (0 without a spool). */
  public long spooled() {
    return spooled.get();
  }

  /** The disk spool, or null when records go from the queue straight to the sinks. */
  public AuditSpool spool() {
    return spool;
  }

  /**
   * Whether new exchanges on audited routes must be refused now: the spool refuses records (full,
   * or its disk failed) under {@code on_full: fail_closed}.
   */
  public boolean refusesExchanges() {
    return spool != null && spool.isRefusing() && spool.settings().onFull() == SpoolFullPolicy.FAIL_CLOSED;
  }

  /** Whether every sink's last write or flush succeeded. */
  public boolean sinksHealthy() {
    return spool == null ? batchWriter.healthy() : deliveries.stream().allMatch(SinkDelivery::healthy);
  }

  public long dropped() {
    return dropped.get();
  }

  /** Records accepted but not yet written and released (including a batch being retried). */
  public int queued() {
    return slots.pending();
  }

  /** Heap held by records waiting to be written (their {@link PendingRecord#heapBytes()}). */
  public long queuedBytes() {
    return slots.bytes();
  }

  public int reserved() {
    return slots.reserved();
  }

  /**
   * Slots held by reservations and records not yet released, read as one number; never above
   * {@link #capacity()}. ({@code reserved() + queued()} are two reads and can double count a
   * record moving from one to the other between them.)
   */
  public int slotsInUse() {
    return slots.inUse();
  }

  public long sinkErrors() {
    return batchWriter.sinkErrors() + deliveries.stream().mapToLong(SinkDelivery::sinkErrors).sum();
  }

  public long renderErrors() {
    return batchWriter.renderErrors();
  }

  /**
   * False after close; without a spool also while a sink is failing (records pile up in memory),
   * with one while it {@link #refusesExchanges() refuses exchanges} (a failing sink only makes the
   * spool grow). Readiness reports this.
   */
  public boolean isAccepting() {
    return !queue.isClosed() && (spool == null ? batchWriter.healthy() : !refusesExchanges());
  }

  public int capacity() {
    return slots.capacity();
  }

  public QueueFullPolicy policy() {
    return policy;
  }
}
