package dev.passage.audit;

/**
 * Told once when a record handed to {@link AuditPipeline#submitAdmitted(PendingRecord, SpoolCallback)}
 * is settled. Runs on the audit writer thread (or, after the pipeline closed, on the submitting
 * thread): do nothing there but hand over to your own thread, e.g. Netty's
 * {@code eventLoop.execute(() -> writeLastContent())}. A callback that throws is logged and ignored.
 */
@FunctionalInterface
public interface SpoolCallback {

  /**
   * @param spooled true when the record's line is in the spool: written to the segment file (so a
   *     process crash cannot lose it) and, with {@code fsync: batch}, forced to disk; without a
   *     spool, handed to every sink. False when it never will be: lost under {@code on_full:
   *     fail_open}, not renderable even as a fallback, larger than the spool, or submitted after close.
   */
  void settled(boolean spooled);
}
