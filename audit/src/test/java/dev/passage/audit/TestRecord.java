package dev.passage.audit;

import java.util.concurrent.atomic.AtomicInteger;

/** A pending record that counts its releases, and can be told to fail rendering. */
final class TestRecord implements PendingRecord {

  final String id;
  final AtomicInteger releases = new AtomicInteger();
  private final boolean failRender;
  private final boolean hasFallback;
  private long heapBytes;

  private TestRecord(String id, boolean failRender, boolean hasFallback) {
    this.id = id;
    this.failRender = failRender;
    this.hasFallback = hasFallback;
  }

  static TestRecord ok(String id) {
    return new TestRecord(id, false, false);
  }

  /** A record that says it holds {@code bytes} of heap while it waits. */
  static TestRecord weighing(String id, long bytes) {
    TestRecord r = new TestRecord(id, false, false);
    r.heapBytes = bytes;
    return r;
  }

  @Override
  public long heapBytes() {
    return heapBytes;
  }

  static TestRecord failingRender(String id, boolean hasFallback) {
    return new TestRecord(id, true, hasFallback);
  }

  @Override
  public AuditRecord render() {
    if (failRender) {
      throw new IllegalStateException("decoder blew up on " + id);
    }
    return Records.of(id, "orders", 200, Outcome.OK);
  }

  @Override
  public void release() {
    releases.incrementAndGet();
  }

  @Override
  public AuditRecord fallback(Exception renderFailure) {
    if (!hasFallback) {
      return null;
    }
    AuditRecord m = Records.minimal(id);
    return new AuditRecord(id, m.ts(), 0, "orders", null, "GET", "/", m.requestHeaders(), null, null,
        null, null, null, null, Outcome.OK, "audit render failed: " + renderFailure.getMessage());
  }
}
