package dev.passage.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code passage-audit-compress} thread of one file sink: compresses rotated files into
 * generations, oldest first, so that the writer thread never waits for gzip (about 2 s per 100 MiB).
 * The thread runs at the lowest CPU priority ({@link BackgroundPriority}).
 * A failure is logged, counted and retried with backoff (100 ms doubling to 5 s); the rotated file
 * stays in place meanwhile, its lines intact. A daemon: a JVM exit mid-compression leaves files that
 * the next start completes ({@link RotatedFiles#complete}).
 */
final class RotationCompressor {

  private static final Logger LOG = LoggerFactory.getLogger(RotationCompressor.class);
  static final long FIRST_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 5_000;

  private final RotatedFiles files;
  private final String describe;
  private final Thread thread;
  /** Rotated files not yet compressed: counted up by the writer, down by this thread. */
  private final AtomicInteger pending;
  private final AtomicLong errors = new AtomicLong();
  private final Object lock = new Object();
  /** Guarded by {@link #lock}: rotations handed over so far, to notice one during a pass. */
  private long handedOver;
  private boolean closing;
  private boolean abandoned;

  /** Counts what an earlier process left to compress; {@link #start()} begins with it. */
  RotationCompressor(RotatedFiles files, String describe) throws IOException {
    this.files = files;
    this.describe = describe;
    this.pending = new AtomicInteger(files.pending().size());
    this.thread = new Thread(this::run, "passage-audit-compress");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** The writer renamed a full file to {@link RotatedFiles#nextRotating()}: compress it. */
  void handOver() {
    pending.incrementAndGet();
    synchronized (lock) {
      handedOver++;
      lock.notifyAll();
    }
  }

  /** Rotated files waiting to be compressed. */
  int pending() {
    return Math.max(0, pending.get());
  }

  /** Failed compression attempts (each is retried). */
  long errors() {
    return errors.get();
  }

  /**
   * Compresses everything pending (one more attempt each, even after failures), then ends the
   * thread. An interrupt stops the wait: the rest stays on disk for the next start.
   */
  void close() {
    synchronized (lock) {
      closing = true;
      lock.notifyAll();
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      synchronized (lock) {
        abandoned = true;
      }
      Thread.currentThread().interrupt();
      LOG.warn("stopped waiting for {} rotated audit files of {} to be compressed; the next start completes them",
          pending(), describe);
    }
  }

  private void run() {
    // gzip is work that may wait: at nice 19 it takes the CPU time the event loop and the audit
    // writer leave, instead of a tenth of the core under full load (docs/benchmarks.md). Rotated
    // files that wait are bounded by maxPendingRotations, past which rotation is deferred.
    if (!BackgroundPriority.lowerCurrentThread()) {
      LOG.info("audit compression of {} runs at normal CPU priority (cannot renice its thread)", describe);
    }
    long backoffMs = FIRST_BACKOFF_MS;
    try {
      while (true) {
        long seen;
        boolean last;
        synchronized (lock) {
          seen = handedOver;
          last = closing; // a pass that starts once close() was called is the last one
        }
        try {
          if (!compressAll()) {
            return;
          }
          backoffMs = FIRST_BACKOFF_MS;
        } catch (IOException | RuntimeException e) {
          errors.incrementAndGet();
          if (last) {
            LOG.error("compressing rotated audit files of {} failed at close; {} stay uncompressed, lines intact, "
                + "and the next start completes them", describe, pending(), e);
            return;
          }
          LOG.warn("compressing a rotated audit file of {} failed, retrying in {} ms; its lines stay in the rotated file",
              describe, backoffMs, e);
          pause(backoffMs);
          backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
          continue;
        }
        if (last || !awaitWork(seen)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      LOG.warn("audit compressor of {} interrupted; {} rotated files are left for the next start", describe, pending());
    }
  }

  /**
   * Compresses every pending file, oldest first, then applies retention (also on a pass with nothing
   * to compress, so a failed deletion is retried); false when close() stopped waiting for it.
   */
  private boolean compressAll() throws IOException {
    for (Path rotating : files.pending()) {
      synchronized (lock) {
        if (abandoned) {
          return false;
        }
      }
      files.complete(rotating);
      pending.decrementAndGet();
    }
    files.retain();
    return true;
  }

  /** Waits until a rotation is handed over after {@code seen}, or close; false once abandoned. */
  private boolean awaitWork(long seen) throws InterruptedException {
    synchronized (lock) {
      while (handedOver == seen && !closing) {
        lock.wait();
      }
      return !abandoned;
    }
  }

  /** Sleeps before a retry, cut short by close() so that shutdown does not wait out the backoff. */
  private void pause(long ms) throws InterruptedException {
    long until = System.nanoTime() + ms * 1_000_000;
    synchronized (lock) {
      for (long left = ms; left > 0 && !closing; left = (until - System.nanoTime()) / 1_000_000) {
        lock.wait(left);
      }
    }
  }
}
