package dev.passage.audit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer thread's body when there is a spool: take a batch, render it, append it to the spool
 * (one write), tell the submitters waiting for it, release it and free its slots. Under {@code
 * fsync: batch} the telling waits for the batch's fsync, which {@link SpoolSyncer} does on its own
 * thread while this one goes on with the next batch (group commit, pipelined). Delivery to the
 * sinks is not its business.
 *
 * <p>A spool that refuses (full, or its disk failed): under {@code fail_closed} the writer keeps the
 * batch and retries, waking as soon as a sink frees space, so records wait in the bounded queue and
 * admission closes; under {@code fail_open} the batch's records are lost and counted. An interrupt
 * means close() gave up: what is left is released and counted as dropped.
 */
final class SpoolWriterLoop implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(SpoolWriterLoop.class);
  static final long FIRST_RETRY_MS = 10;
  static final long MAX_RETRY_MS = 1_000;

  private final RecordQueue queue;
  private final Slots slots;
  private final BatchWriter renderer;
  private final AuditSpool spool;
  private final AtomicLong spooled;
  private final AtomicLong dropped;
  private final boolean callbacksAlways;
  private final boolean failOpen;
  private final List<PendingRecord> batch = new ArrayList<>(WriterLoop.MAX_BATCH);
  /** Under {@code fsync: batch}: forces appended batches and then settles them; null otherwise. */
  private final SpoolSyncer syncer;

  SpoolWriterLoop(RecordQueue queue, Slots slots, BatchWriter renderer, AuditSpool spool, AtomicLong spooled,
      AtomicLong dropped, boolean callbacksAlways) {
    this.queue = queue;
    this.slots = slots;
    this.renderer = renderer;
    this.spool = spool;
    this.spooled = spooled;
    this.dropped = dropped;
    this.callbacksAlways = callbacksAlways;
    this.failOpen = spool.settings().onFull() == SpoolFullPolicy.FAIL_OPEN;
    this.syncer = spool.batchSyncer();
  }

  @Override
  public void run() {
    if (syncer != null) {
      syncer.start();
    }
    try {
      boolean last;
      do {
        slots.runWaitersIfFree(callbacksAlways || queue.isClosed());
        last = queue.take(batch, WriterLoop.MAX_BATCH, spool.forceDueNanos());
        if (!batch.isEmpty()) {
          store();
        }
        spool.forceIfDue(false);
      } while (!last);
    } catch (InterruptedException giveUp) {
      Thread.interrupted();
      LOG.warn("audit writer stopped by close() timeout while the spool refused records; dropping {} records "
          + "not spooled", slots.pending());
    } finally {
      spool.finishAppending();
      closeSyncer();
      dropEverythingLeft();
      slots.finish();
    }
  }

  private void store() throws InterruptedException {
    List<byte[]> lines = new ArrayList<>(batch.size());
    List<PendingRecord> owners = new ArrayList<>(batch.size());
    for (PendingRecord r : batch) {
      byte[] line = renderer.render(r);
      if (line == null) {
        dropped.incrementAndGet();
        AwaitedRecord.settle(r, false);
      } else {
        lines.add(line);
        owners.add(r);
      }
    }
    int done = 0;
    try {
      long retryMs = FIRST_RETRY_MS;
      while (done < lines.size()) {
        try {
          int n = spool.append(lines, done);
          spooled.addAndGet(n);
          if (syncer != null) {
            syncer.submit(spool.activeSegment(), new ArrayList<>(owners.subList(done, done + n)));
          } else {
            for (int i = done; i < done + n; i++) {
              AwaitedRecord.settle(owners.get(i), true);
            }
          }
          done += n;
          retryMs = FIRST_RETRY_MS;
        } catch (SpoolFullException full) {
          if (full.neverFits) {
            lose(owners, done, done + 1); // waiting would not help, under either policy
            done++;
          } else if (failOpen) {
            done = lose(owners, done, lines.size());
          } else {
            spool.awaitSpace(retryMs);
            retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
          }
        } catch (IOException diskFailed) {
          // Logged and counted by the spool; a failing disk is treated as a full one.
          if (failOpen) {
            done = lose(owners, done, lines.size());
          } else {
            spool.awaitSpace(retryMs);
            retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
          }
        }
      }
    } catch (InterruptedException giveUp) {
      for (int i = done; i < owners.size(); i++) {
        AwaitedRecord.settle(owners.get(i), false);
      }
      dropped.addAndGet(owners.size() - done);
      finishBatch();
      throw giveUp;
    }
    finishBatch();
  }

  /** Lets the syncer force and settle what it was handed; an interrupt leaves the rest unsettled-as-lost. */
  private void closeSyncer() {
    if (syncer == null) {
      return;
    }
    try {
      syncer.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Records {@code [from, to)} will never be spooled: counted and told so. Returns {@code to}. */
  private int lose(List<PendingRecord> owners, int from, int to) {
    spool.lost(to - from);
    dropped.addAndGet(to - from);
    for (int i = from; i < to; i++) {
      AwaitedRecord.settle(owners.get(i), false);
    }
    return to;
  }

  private void finishBatch() {
    long bytes = 0;
    for (PendingRecord r : batch) {
      bytes += WriterLoop.heapBytes(r);
      WriterLoop.release(r);
    }
    slots.recordsDone(batch.size(), bytes);
    batch.clear();
  }

  /** After giving up: releases and counts whatever was not spooled. */
  private void dropEverythingLeft() {
    batch.addAll(queue.closeAndDrain());
    dropped.addAndGet(batch.size());
    for (PendingRecord r : batch) {
      AwaitedRecord.settle(r, false);
    }
    finishBatch();
  }
}
