package dev.passage.audit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Under {@code fsync: batch}, forces appended batches to disk on a thread of its own and only then
 * tells their waiting exchanges that the records are spooled: the guarantee is the same as forcing
 * in the writer (no response ends before its record survived a power cut), but the writer renders
 * and appends batch N+1 while batch N's fsync runs, instead of waiting for it. Measured: with
 * {@code delivery: sync} the event loop sat idle a third of the time behind the writer's fsync.
 *
 * <p>It forces through a channel of its own on the segment's file, since fsync covers the whole
 * file whatever descriptor asks, so it never races the writer or a reader for theirs. Batches are
 * settled in the order they were appended. A segment file that is gone was acknowledged by every
 * sink and deleted: its records are stored elsewhere, so they count as spooled. A failing fsync is
 * retried with backoff (its exchanges wait, bounded by the admission timeout), logged when it
 * starts, every 10 s while it lasts, and when it stops.
 */
final class SpoolSyncer {

  static final long FIRST_RETRY_MS = 10;
  static final long MAX_RETRY_MS = 1_000;

  private record Batch(Path segment, List<PendingRecord> owners) {}

  private final Thread thread;
  private final ArrayDeque<Batch> handed = new ArrayDeque<>();
  private final RecurringFailureLog failures;
  private final AtomicLong fsyncErrors;
  private boolean closing;
  private Path openPath;
  private FileChannel open;

  SpoolSyncer(Path dir, AtomicLong fsyncErrors) {
    this.fsyncErrors = fsyncErrors;
    this.failures = new RecurringFailureLog(AuditSpool.LOG, "audit spool " + dir + ": fsync", SpoolRefusal.LOG_EVERY_NANOS);
    this.thread = new Thread(this::run, "passage-audit-spool-sync");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** The writer appended {@code owners}' records to {@code segment}: force, then settle them. */
  void submit(Path segment, List<PendingRecord> owners) {
    synchronized (handed) {
      handed.add(new Batch(segment, owners));
      handed.notifyAll();
    }
  }

  /** Settles what was handed over (one more force each) and ends the thread; the writer calls it last. */
  void close() throws InterruptedException {
    synchronized (handed) {
      closing = true;
      handed.notifyAll();
    }
    thread.join();
  }

  private void run() {
    List<Batch> work = new ArrayList<>();
    long retryMs = FIRST_RETRY_MS;
    try {
      while (true) {
        boolean last;
        synchronized (handed) {
          while (handed.isEmpty() && !closing) {
            handed.wait();
          }
          last = closing;
          work.addAll(handed);
          handed.clear();
        }
        while (!work.isEmpty()) {
          try {
            forceAll(work);
            failures.succeeded();
            retryMs = FIRST_RETRY_MS;
            for (Batch b : work) {
              for (PendingRecord r : b.owners) {
                AwaitedRecord.settle(r, true);
              }
            }
            work.clear();
          } catch (IOException e) {
            fsyncErrors.incrementAndGet();
            failures.failed("responses whose records wait for it are held (admission timeout)", e);
            closeOpen();
            if (last) {
              settleAll(work, false);
              work.clear();
            } else {
              Thread.sleep(retryMs);
              retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
            }
          }
        }
        if (last) {
          synchronized (handed) {
            if (handed.isEmpty()) {
              break;
            }
          }
        }
      }
    } catch (InterruptedException e) {
      synchronized (handed) {
        work.addAll(handed);
        handed.clear();
      }
      settleAll(work, false);
    } finally {
      closeOpen();
    }
  }

  /** One fsync per distinct segment, in order (a batch rarely spans two: the writer rolls between them). */
  private void forceAll(List<Batch> work) throws IOException {
    Path last = null;
    for (Batch b : work) {
      if (b.segment.equals(last)) {
        continue;
      }
      last = b.segment;
      FileChannel channel = channelFor(b.segment);
      if (channel != null) {
        channel.force(false);
      }
    }
  }

  /** This thread's own channel on the segment, or null when the file was acknowledged and deleted. */
  private FileChannel channelFor(Path segment) throws IOException {
    if (!segment.equals(openPath)) {
      closeOpen();
      try {
        open = FileChannel.open(segment, StandardOpenOption.READ);
      } catch (NoSuchFileException deletedAfterEverySinkAcknowledged) {
        return null;
      }
      openPath = segment;
    }
    return open;
  }

  private void closeOpen() {
    if (open != null) {
      try {
        open.close();
      } catch (IOException ignored) {
        // Read-only: nothing of ours is lost by a failed close.
      }
      open = null;
      openPath = null;
    }
  }

  private static void settleAll(List<Batch> work, boolean spooled) {
    for (Batch b : work) {
      for (PendingRecord r : b.owners) {
        AwaitedRecord.settle(r, spooled);
      }
    }
  }
}
