package dev.passage.gateway.config;

import java.util.List;

/**
 * The audit trail, shared by all routes.
 *
 * @param budgetBytes  all kept body bytes of all in-flight exchanges together (default 64 MiB)
 * @param queueRecords records waiting for the sinks, at most (default 10000)
 * @param queueBytes   heap those waiting records hold (headers, URI; bodies are under budgetBytes),
 *                     at most (default 32 MiB): a record with 16 KiB of tiny headers costs about
 *                     200 KiB, so a bound by count alone is not a memory bound
 * @param onQueueFull  {@code block} (default: new requests wait for room in the queue of records
 *                     waiting to be written, at most {@code admissionTimeout}) or {@code drop} (counted)
 * @param sinks        where records go; none means no audit trail
 * @param drainTimeout on shutdown, how long to keep trying to write queued records (default 30s);
 *                     records still queued after it are counted as dropped and logged
 * @param admissionTimeout under {@code block}, how long a new request waits for room before it is
 *                     answered 503 (and recorded; default 5s)
 * @param flushInterval lines are flushed (and fsynced) to the sinks at least this often (default 1s):
 *                     the most a crash can lose
 * @param redact       redaction for every record, unrouted ones included; it adds to the built-in
 *                     lists and each route's {@code audit.redact} adds to it (a list can only grow,
 *                     so no route can switch a secret back on by accident)
 * @param spool        the on-disk write-ahead spool ({@link SpoolConfig}); off when absent
 * @param delivery     with a spool: {@code sync} (default: the last bytes of a response wait until its
 *                     record is in the spool, so no client sees the end of a response whose record a
 *                     crash could lose) or {@code async} (responses never wait; records accepted in
 *                     memory and not yet spooled are lost on a crash). Without a spool it is an error:
 *                     there would be nothing to wait for
 * @param integrity    signed checkpoints of the records' hash chain ({@link IntegrityConfig}); needs a spool
 */
public record AuditConfig(Long budgetBytes, Integer queueRecords, String onQueueFull, List<SinkConfig> sinks,
    String drainTimeout, RedactConfig redact, String admissionTimeout, String flushInterval, Long queueBytes,
    SpoolConfig spool, String delivery, IntegrityConfig integrity) {

  public static final AuditConfig DEFAULT = new AuditConfig(null, null, null, null, null, null, null, null, null,
      null, null, null);
  public static final String SYNC = "sync";
  public static final String ASYNC = "async";

  /** The config without global redaction lists (the built-in lists still apply) and without a spool. */
  public AuditConfig(Long budgetBytes, Integer queueRecords, String onQueueFull, List<SinkConfig> sinks,
      String drainTimeout) {
    this(budgetBytes, queueRecords, onQueueFull, sinks, drainTimeout, null, null, null, null, null, null, null);
  }

  /**
   * Whether responses wait for their record to be spooled: a spool is configured and
   * {@code delivery} is not {@code async}. (The engine honours this; see AuditPipeline#submitAdmitted.)
   */
  public boolean syncDelivery() {
    return spool != null && !ASYNC.equals(delivery);
  }

  /** {@code audit.integrity.checkpoint_failure_timeout} (60s when unset). */
  public java.time.Duration checkpointFailureTimeout() {
    return Durations.parse(integrity == null ? "60s" : integrity.checkpointFailureTimeout());
  }

  /**
   * Tamper evidence: with a spool every record a sink stores is chained (docs/audit-record.md,
   * "Integrity"), and signed checkpoints are written when {@code integrity.signing_key} is set;
   * without a spool there is nowhere to keep a chain head, so records are plain (null). Reads the
   * signing key; call on a validated config.
   */
  public dev.passage.audit.IntegritySettings integritySettings() throws java.io.IOException {
    if (spool == null) {
      return null;
    }
    return integrity == null ? dev.passage.audit.IntegritySettings.CHAIN_ONLY : integrity.settings();
  }

  public AuditConfig {
    budgetBytes = budgetBytes == null ? 64L * 1024 * 1024 : budgetBytes;
    queueRecords = queueRecords == null ? 10_000 : queueRecords;
    onQueueFull = onQueueFull == null ? "block" : onQueueFull;
    sinks = sinks == null ? List.of() : List.copyOf(sinks);
    drainTimeout = drainTimeout == null ? "30s" : drainTimeout;
    redact = redact == null ? RedactConfig.DEFAULT : redact;
    admissionTimeout = admissionTimeout == null ? "5s" : admissionTimeout;
    flushInterval = flushInterval == null ? "1s" : flushInterval;
    queueBytes = queueBytes == null ? 32L * 1024 * 1024 : queueBytes;
  }
}
