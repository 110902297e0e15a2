package dev.passage.audit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer thread's work on one batch: render each record, serialise it, and hand the lines to
 * every sink, retrying a failing sink until it takes them. A sink failure never drops a record; it
 * stalls the writer, which is how the queue's policy (block or drop) comes into force upstream.
 */
final class BatchWriter {

  private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);
  static final long FIRST_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 5_000;

  private final List<AuditSink> sinks;
  private final AtomicLong sinkErrors = new AtomicLong();
  private final AtomicLong renderErrors = new AtomicLong();
  private volatile boolean healthy = true;
  /** Used by the writer thread only, which is the only caller of {@link #write}. */
  private final AuditLineEncoder encoder = new AuditLineEncoder();

  BatchWriter(List<AuditSink> sinks) {
    this.sinks = List.copyOf(sinks);
  }

  /**
   * Writes the batch to every sink and returns how many lines were written: one per record, less
   * the records that could not be rendered and had no fallback. Does not release the records.
   *
   * @throws InterruptedException when the pipeline gave up waiting for a failing sink
   */
  int write(List<PendingRecord> batch) throws InterruptedException {
    List<byte[]> lines = new ArrayList<>(batch.size());
    for (PendingRecord r : batch) {
      byte[] line = render(r);
      if (line != null) {
        lines.add(line);
      } else {
        AwaitedRecord.settle(r, false);
      }
    }
    if (!lines.isEmpty()) {
      // The same list on every retry: sinks use its identity to skip lines they already stored.
      retrying("write", sink -> sink.write(lines));
    }
    // Without a spool, "settled" means handed to every sink (stored at the next flush).
    for (PendingRecord r : batch) {
      AwaitedRecord.settle(r, true);
    }
    return lines.size();
  }

  void flush() throws InterruptedException {
    retrying("flush", AuditSink::flush);
  }

  /**
   * Closes every sink; a failure is logged, as there is nobody left to retry for.
   *
   * @return whether every sink closed cleanly (and so stored what it still buffered)
   */
  boolean close() {
    boolean clean = true;
    for (AuditSink sink : sinks) {
      try {
        sink.close();
      } catch (IOException | RuntimeException e) {
        clean = false;
        sinkErrors.incrementAndGet();
        LOG.error("closing audit sink {} failed; lines it still buffered are lost", sink.describe(), e);
      }
    }
    return clean;
  }

  long sinkErrors() {
    return sinkErrors.get();
  }

  long renderErrors() {
    return renderErrors.get();
  }

  /** False from a failed sink operation until every sink has succeeded again. */
  boolean healthy() {
    return healthy;
  }

  /** The record's JSON line (or its fallback's), or null when neither renders. Writer thread only. */
  byte[] render(PendingRecord r) {
    try {
      return encoder.encode(r.render());
    } catch (Exception e) {
      renderErrors.incrementAndGet();
      LOG.warn("audit record could not be rendered; writing its fallback instead", e);
      try {
        AuditRecord fallback = r.fallback(e);
        return fallback == null ? null : encoder.encode(fallback);
      } catch (Exception fallbackFailure) {
        LOG.error("audit record fallback failed too; the record is dropped", fallbackFailure);
        return null;
      }
    }
  }

  private void retrying(String what, SinkOperation op) throws InterruptedException {
    List<AuditSink> remaining = new ArrayList<>(sinks);
    long backoffMs = FIRST_BACKOFF_MS;
    for (int attempt = 1; ; attempt++) {
      for (Iterator<AuditSink> it = remaining.iterator(); it.hasNext(); ) {
        AuditSink sink = it.next();
        try {
          op.apply(sink);
          it.remove();
        } catch (IOException | RuntimeException e) {
          sinkErrors.incrementAndGet();
          healthy = false;
          LOG.warn("audit {} to {} failed (attempt {}), retrying in {} ms; records are kept, not dropped",
              what, sink.describe(), attempt, backoffMs, e);
        }
      }
      if (remaining.isEmpty()) {
        if (!healthy) {
          healthy = true;
          LOG.info("audit sinks accept writes again after {} attempts", attempt);
        }
        return;
      }
      Thread.sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }
  }

  @FunctionalInterface
  private interface SinkOperation {
    void apply(AuditSink sink) throws IOException;
  }
}
