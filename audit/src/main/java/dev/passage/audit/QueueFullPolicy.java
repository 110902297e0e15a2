package dev.passage.audit;

/** What {@link AuditPipeline} does when its queue has no free slot. */
public enum QueueFullPolicy {
  /**
   * Never lose a record: callers reserve a slot before they start an exchange and wait
   * (asynchronously, via {@link AuditPipeline#whenSlotFree}) when none is free.
   */
  BLOCK("block"),
  /** Never slow traffic down: a record that finds the queue full is dropped and counted. */
  DROP("drop");

  private final String wireName;

  QueueFullPolicy(String wireName) {
    this.wireName = wireName;
  }

  /** The name used in configuration. */
  public String wireName() {
    return wireName;
  }

  /** The policy configured as {@code wireName}; rejects unknown names rather than picking one. */
  public static QueueFullPolicy fromWireName(String wireName) {
    for (QueueFullPolicy p : values()) {
      if (p.wireName.equals(wireName)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown audit queue-full policy '" + wireName + "', expected 'block' or 'drop'");
  }
}
