package dev.passage.gateway.metrics;

import dev.passage.audit.AuditPipeline;
import java.time.Duration;
import java.util.Optional;

/**
 * Meters and readiness of the audit hash chain and its signed checkpoints (docs/audit-record.md,
 * "Integrity"): each sink's chain head, how old the last stored checkpoint is, and a readiness check
 * that fails when checkpoints could not be stored for longer than {@code
 * audit.integrity.checkpoint_failure_timeout}.
 */
public final class AuditIntegrityMeters {

  private AuditIntegrityMeters() {}

  public static void register(GatewayMetrics metrics, AuditPipeline pipeline) {
    for (String sink : pipeline.chainedSinks()) {
      metrics.gauge(MetricNames.AUDIT_CHAIN_HEAD_SEQ, MetricNames.TAG_SINK, sink,
          "seq of the last chained audit record this sink stored", pipeline, p -> p.chainHeadSeq(sink));
    }
    if (!pipeline.writesCheckpoints()) {
      return;
    }
    metrics.gaugeSeconds(MetricNames.AUDIT_CHECKPOINT_AGE, "time since the sink that stored a checkpoint least "
        + "recently stored one", pipeline, p -> p.oldestCheckpointAgeMillis());
    metrics.counter(MetricNames.AUDIT_CHECKPOINTS, "signed checkpoints stored by their sinks", pipeline,
        p -> p.checkpointsWritten());
    metrics.counter(MetricNames.AUDIT_ANCHOR_ERRORS, "failed appends of checkpoints to the anchor (retried)", pipeline,
        p -> p.anchorErrors());
    if (pipeline.hasAnchor()) {
      metrics.counter(MetricNames.AUDIT_ANCHOR_DROPPED, "checkpoints dropped before reaching the anchor: newer ones "
          + "filled its queue while it failed", pipeline, p -> p.anchorDroppedCheckpoints());
      metrics.gauge(MetricNames.AUDIT_ANCHOR_QUEUED, "checkpoints waiting for the anchor", pipeline,
          p -> p.anchorQueuedCheckpoints());
    }
  }

  /** Not ready once checkpoints could not be stored (a sink or the anchor failing) for longer than {@code limit}. */
  public static Optional<ReadinessCheck> readiness(AuditPipeline pipeline, Duration limit) {
    if (!pipeline.writesCheckpoints()) {
      return Optional.empty();
    }
    long limitMillis = limit.toMillis();
    return Optional.of(ReadinessCheck.of("audit_checkpoints",
        () -> pipeline.checkpointsFailingMillis() <= limitMillis,
        () -> {
          long failing = pipeline.checkpointsFailingMillis();
          return failing == 0 ? pipeline.checkpointsWritten() + " checkpoints stored"
              : "checkpoints not stored for " + failing + " ms (limit " + limitMillis + " ms): a sink or the anchor fails";
        }));
  }
}
