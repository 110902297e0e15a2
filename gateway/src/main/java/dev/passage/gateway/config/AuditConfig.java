package dev.passage.gateway.config;

import java.util.List;

/**
 * The audit trail, shared by all routes.
 *
 * @param budgetBytes  all kept body bytes of all in-flight exchanges together (default 64 MiB)
 * @param queueRecords records waiting for the sinks, at most (default 10000)
 * @param onQueueFull  {@code block} (default: new requests wait for room) or {@code drop} (counted)
 * @param sinks        where records go; none means no audit trail
 * @param drainTimeout on shutdown, how long to keep trying to write queued records (default 30s);
 *                     records still queued after it are counted as dropped and logged
 */
public record AuditConfig(Long budgetBytes, Integer queueRecords, String onQueueFull, List<SinkConfig> sinks,
    String drainTimeout) {

  public static final AuditConfig DEFAULT = new AuditConfig(null, null, null, null, null);

  public AuditConfig {
    budgetBytes = budgetBytes == null ? 64L * 1024 * 1024 : budgetBytes;
    queueRecords = queueRecords == null ? 10_000 : queueRecords;
    onQueueFull = onQueueFull == null ? "block" : onQueueFull;
    sinks = sinks == null ? List.of() : List.copyOf(sinks);
    drainTimeout = drainTimeout == null ? "30s" : drainTimeout;
  }
}
