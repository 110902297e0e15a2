package dev.passage.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of the {@code passage-audit-writer} thread: take a batch, write it, release it, free its
 * slots, flush when due; on close, drain the queue first. An interrupt means close() gave up: what is
 * left is released and counted as dropped.
 */
final class WriterLoop implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(WriterLoop.class);
  static final int MAX_BATCH = 512;

  private final RecordQueue queue;
  private final Slots slots;
  private final BatchWriter batchWriter;
  private final AtomicLong written;
  private final AtomicLong dropped;
  private final long flushNanos;
  private final boolean callbacksAlways;
  private final List<PendingRecord> batch = new ArrayList<>(MAX_BATCH);
  /** Lines were written since the last flush; they must be flushed by {@link #flushDue}. */
  private boolean dirty;
  private long flushDue;
  /** Lines the sinks took since their last successful flush: not yet counted as written. */
  private long unflushed;

  WriterLoop(RecordQueue queue, Slots slots, BatchWriter batchWriter, AtomicLong written, AtomicLong dropped,
      long flushNanos, boolean callbacksAlways) {
    this.queue = queue;
    this.slots = slots;
    this.batchWriter = batchWriter;
    this.written = written;
    this.dropped = dropped;
    this.flushNanos = flushNanos;
    this.callbacksAlways = callbacksAlways;
  }

  @Override
  public void run() {
    try {
      boolean last;
      do {
        slots.runWaitersIfFree(callbacksAlways || queue.isClosed());
        last = queue.take(batch, MAX_BATCH, dirty ? flushDue : Long.MAX_VALUE);
        if (!batch.isEmpty()) {
          int lines = batchWriter.write(batch);
          // Handed to the sinks is not yet stored: a line counts as written once a flush succeeded.
          unflushed += lines;
          dropped.addAndGet(batch.size() - lines);
          finishBatch();
        }
        if (dirty && (last || System.nanoTime() - flushDue >= 0)) {
          batchWriter.flush();
          written.addAndGet(unflushed);
          unflushed = 0;
          dirty = false;
        }
      } while (!last);
    } catch (InterruptedException giveUp) {
      // Clear the flag so closing the sinks can still push out what they buffered.
      Thread.interrupted();
      LOG.warn("audit writer stopped by close() timeout; dropping {} unwritten records", slots.pending());
    } finally {
      if (batchWriter.close()) {
        written.addAndGet(unflushed);
      } else {
        dropped.addAndGet(unflushed);
        LOG.error("{} audit records handed to a sink that never stored them are counted as dropped", unflushed);
      }
      unflushed = 0;
      dropEverythingLeft();
      slots.finish();
    }
  }

  private void finishBatch() {
    long bytes = 0;
    for (PendingRecord r : batch) {
      bytes += heapBytes(r);
      release(r);
    }
    slots.recordsDone(batch.size(), bytes);
    batch.clear();
    if (!dirty) {
      dirty = true;
      flushDue = System.nanoTime() + flushNanos;
    }
  }

  /** After giving up (or a crash): releases and counts whatever was not written. */
  private void dropEverythingLeft() {
    batch.addAll(queue.closeAndDrain());
    long bytes = 0;
    for (PendingRecord r : batch) {
      dropped.incrementAndGet();
      AwaitedRecord.settle(r, false);
      bytes += heapBytes(r);
      release(r);
    }
    slots.recordsDone(batch.size(), bytes);
    batch.clear();
  }

  static long heapBytes(PendingRecord record) {
    try {
      return record.heapBytes();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** Releases the record's capture budget; a failing release must not stop the writer. */
  static void release(PendingRecord record) {
    try {
      record.release();
    } catch (RuntimeException e) {
      LOG.error("releasing an audit record failed; its capture budget may be lost", e);
    }
  }
}
