package dev.passage.audit;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
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
    Objects.requireNonNull(sinks, "sinks");
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
    this.batchWriter = new BatchWriter(sinks);
    if (queueBytes < 1) {
      throw new IllegalArgumentException("audit queue must hold >= 1 byte, got " + queueBytes);
    }
    // A quarter of the queue wakes the writer early, so a small queue never waits out a linger full.
    this.queue = new RecordQueue(Math.max(1, Math.min(128, queueRecords / 4)));
    this.slots = new Slots(queueRecords, queue::wake);
    this.slots.limitBytes(queueBytes);
    WriterLoop loop = new WriterLoop(queue, slots, batchWriter, written, dropped, flushInterval.toNanos(),
        policy == QueueFullPolicy.DROP);
    this.writer = new Thread(loop, "passage-audit-writer");
    // Not a daemon: the JVM must not exit with records still queued; close() ends the thread.
    this.writer.setDaemon(false);
    this.writer.start();
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
    WriterLoop.release(record);
    return false;
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
    WriterLoop.release(record);
    return false;
  }

  /**
   * Stops accepting records, writes every queued one, flushes and closes the sinks, and ends the
   * writer thread. Returns after at most {@code timeout}; if a sink keeps failing past it, the writer
   * gives up: the unwritten records are logged, released and counted as dropped. Safe to call twice.
   */
  public void close(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (Thread.currentThread() == writer) {
      throw new IllegalStateException("close() from the audit writer thread (a whenSlotFree callback) would wait for itself");
    }
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
  }

  public long written() {
    return written.get();
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
    return batchWriter.sinkErrors();
  }

  public long renderErrors() {
    return batchWriter.renderErrors();
  }

  /** False after close and while a sink is failing; readiness reports this. */
  public boolean isAccepting() {
    return !queue.isClosed() && batchWriter.healthy();
  }

  public int capacity() {
    return slots.capacity();
  }

  public QueueFullPolicy policy() {
    return policy;
  }
}
