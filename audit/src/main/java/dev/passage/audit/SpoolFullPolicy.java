package dev.passage.audit;

/** What happens when the spool cannot take a record: it is full, or its disk fails ({@code audit.spool.on_full}). */
public enum SpoolFullPolicy {
  /**
   * No record is lost: the writer keeps the records it could not append and retries until space
   * frees, and the gateway refuses new exchanges on audited routes meanwhile (503, readiness 503).
   */
  FAIL_CLOSED("fail_closed"),
  /** Traffic goes on: records that find the spool full are lost, counted and logged. */
  FAIL_OPEN("fail_open");

  private final String wireName;

  SpoolFullPolicy(String wireName) {
    this.wireName = wireName;
  }

  /** The name used in configuration. */
  public String wireName() {
    return wireName;
  }

  /** The policy configured as {@code wireName}; rejects unknown names rather than picking one. */
  public static SpoolFullPolicy fromWireName(String wireName) {
    for (SpoolFullPolicy p : values()) {
      if (p.wireName.equals(wireName)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown spool-full policy '" + wireName + "', expected fail_closed or fail_open");
  }
}
