package dev.passage.audit;

/**
 * An exchange whose audit record has not been rendered yet. The gateway creates one per exchange and
 * hands it to {@link AuditPipeline#submit}; the pipeline's writer thread renders it, so decoding and
 * redaction never run on an event loop.
 *
 * <p>The pipeline calls {@link #release()} exactly once for every record it was given: after the
 * line is written, when the record is dropped, or after rendering failed. Release returns the capture
 * budget the record's bodies hold, so it must not be skipped on any path.
 */
public interface PendingRecord {

  /** Builds the record: decodes and redacts the kept bodies. Runs on the writer thread. */
  AuditRecord render();

  /**
   * Returns whatever the record holds (capture budget). Called exactly once: on the writer thread, or
   * on the submitting thread when {@link AuditPipeline#submit} drops the record.
   */
  void release();

  /**
   * About how much heap the record holds while it waits (header and URI text, not the kept body
   * bytes, which the capture budget already bounds). The queue is bounded by the sum of these too.
   */
  default long heapBytes() {
    return 0;
  }

  /**
   * A record to write instead when {@link #render()} threw, typically the exchange's metadata without
   * bodies and with {@code error} describing the failure, so the exchange still leaves a trace.
   * Returns null when nothing can be written; the record is then counted as dropped.
   */
  default AuditRecord fallback(Exception renderFailure) {
    return null;
  }
}
