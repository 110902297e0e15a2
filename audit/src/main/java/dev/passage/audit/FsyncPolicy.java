package dev.passage.audit;

/** When the spool forces what it appended to the disk ({@code audit.spool.fsync}). */
public enum FsyncPolicy {
  /**
   * After every appended batch, before its records count as spooled: a power cut loses nothing that
   * was spooled. One fsync per batch (group commit), not per record.
   */
  BATCH("batch"),
  /**
   * At most {@code fsync_interval} after an append: a power cut may lose that much; a process crash
   * loses nothing (the bytes are in the page cache).
   */
  INTERVAL("interval"),
  /** Never (only on close): the operating system writes back when it likes; a power cut may lose its backlog. */
  NONE("none");

  private final String wireName;

  FsyncPolicy(String wireName) {
    this.wireName = wireName;
  }

  /** The name used in configuration. */
  public String wireName() {
    return wireName;
  }

  /** The policy configured as {@code wireName}; rejects unknown names rather than picking one. */
  public static FsyncPolicy fromWireName(String wireName) {
    for (FsyncPolicy p : values()) {
      if (p.wireName.equals(wireName)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown fsync policy '" + wireName + "', expected batch, interval or none");
  }
}
