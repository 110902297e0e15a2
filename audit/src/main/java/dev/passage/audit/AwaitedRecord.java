package dev.passage.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A record whose submitter waits to hear that it is spooled: the record, and who to tell. */
final class AwaitedRecord implements PendingRecord {

  private static final Logger LOG = LoggerFactory.getLogger(AwaitedRecord.class);

  private final PendingRecord record;
  private SpoolCallback callback;

  AwaitedRecord(PendingRecord record, SpoolCallback callback) {
    this.record = record;
    this.callback = callback;
  }

  @Override
  public AuditRecord render() {
    return record.render();
  }

  @Override
  public void release() {
    record.release();
  }

  @Override
  public long heapBytes() {
    return record.heapBytes();
  }

  @Override
  public AuditRecord fallback(Exception renderFailure) {
    return record.fallback(renderFailure);
  }

  /** Tells the submitter, once; later calls do nothing. */
  void settle(boolean spooled) {
    SpoolCallback c = callback;
    callback = null;
    if (c == null) {
      return;
    }
    try {
      c.settled(spooled);
    } catch (RuntimeException e) {
      LOG.error("audit spool callback failed", e);
    }
  }

  /** Settles {@code record} if someone waits for it. */
  static void settle(PendingRecord record, boolean spooled) {
    if (record instanceof AwaitedRecord a) {
      a.settle(spooled);
    }
  }
}
