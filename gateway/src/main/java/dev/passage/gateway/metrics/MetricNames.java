package dev.passage.gateway.metrics;

/**
 * Every meter name Passage registers, in one place, as Micrometer dotted names under the
 * {@code passage} prefix. Each comment gives the meter type to register and the name the
 * Prometheus exposition prints (checked by {@code MetricNamesTest}). Register these without a base
 * unit: where a unit belongs in the name it is already part of it, and Micrometer's Prometheus
 * naming adds {@code _total} to counters and {@code _seconds} to timers by itself.
 */
public final class MetricNames {

  private MetricNames() {}

  /** Tag: the route name from the config. */
  public static final String TAG_ROUTE = "route";
  /** Tag: the request method. */
  public static final String TAG_METHOD = "method";
  /** Tag: {@code 1xx} .. {@code 5xx}; the class, not the code, keeps the series count bounded. */
  public static final String TAG_STATUS_CLASS = "status_class";
  /** Tag: an upstream target as configured ({@code host:port}). */
  public static final String TAG_TARGET = "target";
  /** Tag: why something was skipped or refused. */
  public static final String TAG_REASON = "reason";
  /** A configured audit sink, by its spool cursor name. */
  public static final String TAG_SINK = "sink";

  /** Counter {@code passage_requests_total}, tags route, method, status_class. */
  public static final String REQUESTS = "passage.requests";
  /** Counter {@code passage_requests_rejected_total}, tag reason: requests the gateway refused itself (docs/security.md). */
  public static final String REQUESTS_REJECTED = "passage.requests.rejected";
  /** Counter {@code passage_upstream_retries_total}, tag route: bodiless idempotent requests re-sent after a stale pooled connection. */
  public static final String UPSTREAM_RETRIES = "passage.upstream.retries";
  /** Counter {@code passage_connections_refused_total}: client connections closed at once, past server.max_connections. */
  public static final String CONNECTIONS_REFUSED = "passage.connections.refused";
  /** Timer with percentile histogram {@code passage_request_duration_seconds}, tag route. */
  public static final String REQUEST_DURATION = "passage.request.duration";
  /** Timer {@code passage_upstream_ttfb_seconds}, tag route: request sent until first response byte. */
  public static final String UPSTREAM_TTFB = "passage.upstream.ttfb";
  /**
   * Timer {@code passage_upstream_connect_seconds}, tag route: from asking the pool for a connection
   * until the request could be written (pool wait plus TCP connect, near zero on a reused connection).
   */
  public static final String UPSTREAM_CONNECT = "passage.upstream.connect";
  /** Counter {@code passage_upstream_connect_errors_total}, tags route, target. */
  public static final String UPSTREAM_CONNECT_ERRORS = "passage.upstream.connect.errors";
  /** Counter {@code passage_bytes_received_total}, tag route: request body bytes from clients. */
  public static final String BYTES_RECEIVED = "passage.bytes.received";
  /** Counter {@code passage_bytes_sent_total}, tag route: response body bytes to clients. */
  public static final String BYTES_SENT = "passage.bytes.sent";
  /** Gauge {@code passage_active_connections}: open client connections. */
  public static final String ACTIVE_CONNECTIONS = "passage.active.connections";
  /** Gauge {@code passage_active_websockets}: open WebSocket tunnels. */
  public static final String ACTIVE_WEBSOCKETS = "passage.active.websockets";
  /** Gauge {@code passage_active_sse_streams}: open server-sent event streams. */
  public static final String ACTIVE_SSE_STREAMS = "passage.active.sse.streams";
  /** Gauge {@code passage_upstream_pool_max_connections}, tags route, target: the pool's limit. */
  public static final String UPSTREAM_POOL_MAX_CONNECTIONS = "passage.upstream.pool.max.connections";
  /** Gauge {@code passage_upstream_pool_connections}, tags route, target: open pooled connections (busy or idle). */
  public static final String UPSTREAM_POOL_CONNECTIONS = "passage.upstream.pool.connections";
  /** Gauge {@code passage_upstream_pool_pending_requests}, tag route: requests waiting for a connection. */
  public static final String UPSTREAM_POOL_PENDING = "passage.upstream.pool.pending.requests";
  /** Gauge {@code passage_upstream_pool_max_pending_requests}, tag route: upstream.max_pending. */
  public static final String UPSTREAM_POOL_MAX_PENDING = "passage.upstream.pool.max.pending.requests";
  /** Gauge {@code passage_upstream_tunnels}, tags route, target: WebSocket tunnel connections open. */
  public static final String UPSTREAM_TUNNELS = "passage.upstream.tunnels";
  /** Gauge {@code passage_upstream_requests_in_flight}, tags route, target. */
  public static final String UPSTREAM_REQUESTS_IN_FLIGHT = "passage.upstream.requests.in.flight";
  /** Counter {@code passage_responses_502_total}, tag route: the gateway answered 502 itself. */
  public static final String RESPONSES_502 = "passage.responses.502";
  /** Counter {@code passage_responses_504_total}, tag route: the gateway answered 504 itself. */
  public static final String RESPONSES_504 = "passage.responses.504";
  /** Counter {@code passage_audit_records_written_total}. */
  public static final String AUDIT_RECORDS_WRITTEN = "passage.audit.records.written";
  /** Counter {@code passage_audit_records_dropped_total}, tag reason. */
  public static final String AUDIT_RECORDS_DROPPED = "passage.audit.records.dropped";
  /** Counter {@code passage_audit_sink_errors_total}: failed sink writes (the batch is retried). */
  public static final String AUDIT_SINK_ERRORS = "passage.audit.sink.errors";
  /**
   * Counter {@code passage_audit_generations_deleted_total}: rotated audit files deleted by a
   * sink's {@code max_files} retention (never without it), each also logged with its file name.
   */
  public static final String AUDIT_GENERATIONS_DELETED = "passage.audit.generations.deleted";
  /** Gauge {@code passage_audit_rotations_pending}: rotated files waiting for the compressor (at most 4 per sink). */
  public static final String AUDIT_ROTATIONS_PENDING = "passage.audit.rotations.pending";
  /** Counter {@code passage_audit_rotations_deferred_total}: rotations put off because the compressor lagged. */
  public static final String AUDIT_ROTATIONS_DEFERRED = "passage.audit.rotations.deferred";
  /** Counter {@code passage_audit_compression_errors_total}: failed attempts to compress a rotated file (retried). */
  public static final String AUDIT_COMPRESSION_ERRORS = "passage.audit.compression.errors";
  /**
   * Gauge {@code passage_audit_kafka_unacknowledged_records}: records handed to a Kafka sink whose
   * broker acknowledgement has not arrived (rises during an outage, drains after it).
   */
  public static final String AUDIT_KAFKA_UNACKNOWLEDGED = "passage.audit.kafka.unacknowledged.records";
  /** Counter {@code passage_audit_kafka_send_failures_total}: Kafka sends that failed, each re-sent (no record is dropped for it). */
  public static final String AUDIT_KAFKA_SEND_FAILURES = "passage.audit.kafka.send.failures";
  /**
   * Counter {@code passage_audit_kafka_rejected_records_total}: records the producer or the broker
   * refused as too large; each was set aside (kept whole in the rejected file beside the spool) and
   * a stand-in with its id was sent in its place. Any increase means the topic's
   * {@code max.message.bytes} is below what the capture limits allow.
   */
  public static final String AUDIT_KAFKA_REJECTED = "passage.audit.kafka.rejected.records";
  /** Gauge {@code passage_audit_queue_records}: records waiting for a sink. */
  public static final String AUDIT_QUEUE_RECORDS = "passage.audit.queue.records";
  /** Gauge {@code passage_audit_queue_bytes}: heap held by records waiting for the sinks (audit.queue_bytes bounds it). */
  public static final String AUDIT_QUEUE_BYTES = "passage.audit.queue.bytes";
  /** Gauge {@code passage_audit_queue_limit_bytes}: audit.queue_bytes. */
  public static final String AUDIT_QUEUE_LIMIT_BYTES = "passage.audit.queue.limit.bytes";
  /** Gauge {@code passage_audit_spool_bytes}: segment bytes the audit spool holds on disk. */
  public static final String AUDIT_SPOOL_BYTES = "passage.audit.spool.bytes";
  /**
   * Gauge {@code passage_audit_spool_unacknowledged_bytes}: spooled bytes some sink has not
   * acknowledged (rises while a sink is down, drains to 0 after it recovers).
   */
  public static final String AUDIT_SPOOL_UNACKNOWLEDGED_BYTES = "passage.audit.spool.unacknowledged.bytes";
  /**
   * Gauge {@code passage_audit_spool_sink_lag_bytes}, tag sink (its spool cursor name, from its path
   * or topic): spooled bytes that sink has not acknowledged.
   */
  public static final String AUDIT_SPOOL_SINK_LAG = "passage.audit.spool.sink.lag.bytes";
  /** Gauge {@code passage_audit_spool_limit_bytes}: audit.spool.max_bytes. */
  public static final String AUDIT_SPOOL_LIMIT_BYTES = "passage.audit.spool.limit.bytes";
  /** Gauge {@code passage_audit_spool_segments}: segment files in the spool (the active one included). */
  public static final String AUDIT_SPOOL_SEGMENTS = "passage.audit.spool.segments";
  /**
   * Gauge {@code passage_audit_spool_oldest_unacknowledged_age_seconds}: how long the oldest record
   * some sink has not acknowledged has been in the spool; 0 when every sink has everything.
   */
  public static final String AUDIT_SPOOL_OLDEST_AGE = "passage.audit.spool.oldest.unacknowledged.age.seconds";
  /** Counter {@code passage_audit_spool_records_total}: records appended to the spool. */
  public static final String AUDIT_SPOOL_RECORDS = "passage.audit.spool.records";
  /** Counter {@code passage_audit_spool_replayed_records_total}: records of an earlier run delivered again after start. */
  public static final String AUDIT_SPOOL_REPLAYED = "passage.audit.spool.replayed.records";
  /** Counter {@code passage_audit_spool_lost_records_total}: records that found the spool full or failing under fail_open. */
  public static final String AUDIT_SPOOL_LOST = "passage.audit.spool.lost.records";
  /** Counter {@code passage_audit_spool_errors_total}: failed spool disk operations (append, fsync, read, cursor, delete). */
  public static final String AUDIT_SPOOL_ERRORS = "passage.audit.spool.errors";
  /** Counter {@code passage_audit_spool_refused_exchanges_total}: exchanges answered 503 because the spool refused (fail_closed). */
  public static final String AUDIT_SPOOL_REFUSED = "passage.audit.spool.refused.exchanges";
  /** Gauge {@code passage_audit_chain_head_seq}, tag sink: seq of the last chained record that sink stored. */
  public static final String AUDIT_CHAIN_HEAD_SEQ = "passage.audit.chain.head.seq";
  /** Gauge {@code passage_audit_checkpoint_age_seconds}: since the sink that stored a checkpoint least recently stored one. */
  public static final String AUDIT_CHECKPOINT_AGE = "passage.audit.checkpoint.age.seconds";
  /** Counter {@code passage_audit_checkpoints_total}: signed checkpoints stored by their sinks. */
  public static final String AUDIT_CHECKPOINTS = "passage.audit.checkpoints";
  /** Counter {@code passage_audit_anchor_errors_total}: failed appends of checkpoints to the anchor (retried). */
  public static final String AUDIT_ANCHOR_ERRORS = "passage.audit.anchor.errors";
  /** Counter {@code passage_audit_anchor_dropped_checkpoints_total}: checkpoints dropped unanchored when newer ones filled the anchor's queue. */
  public static final String AUDIT_ANCHOR_DROPPED = "passage.audit.anchor.dropped.checkpoints";
  /** Gauge {@code passage_audit_anchor_queued_checkpoints}: checkpoints waiting for the anchor's own thread. */
  public static final String AUDIT_ANCHOR_QUEUED = "passage.audit.anchor.queued.checkpoints";
  /** Gauge {@code passage_capture_budget_in_use_bytes}. */
  public static final String CAPTURE_BUDGET_IN_USE = "passage.capture.budget.in.use.bytes";
  /** Gauge {@code passage_capture_budget_limit_bytes}. */
  public static final String CAPTURE_BUDGET_LIMIT = "passage.capture.budget.limit.bytes";
  /** Counter {@code passage_capture_budget_exhausted_total}: reservations the global budget refused (at most one per body). */
  public static final String CAPTURE_BUDGET_EXHAUSTED = "passage.capture.budget.exhausted";
  /** Gauge {@code passage_capture_share_in_use_bytes}, tag route: a route's part of the capture budget in use. */
  public static final String CAPTURE_SHARE_IN_USE = "passage.capture.share.in.use.bytes";
  /** Gauge {@code passage_capture_share_limit_bytes}, tag route: {@code budget_share} x {@code budget_bytes}. */
  public static final String CAPTURE_SHARE_LIMIT = "passage.capture.share.limit.bytes";
  /** Counter {@code passage_capture_share_exhausted_total}, tag route: reservations refused by the route's share. */
  public static final String CAPTURE_SHARE_EXHAUSTED = "passage.capture.share.exhausted";
  /** Counter {@code passage_capture_skipped_bytes_total}, tag reason: body bytes passed on uncaptured. */
  public static final String CAPTURE_SKIPPED_BYTES = "passage.capture.skipped.bytes";

  /** Counter {@code passage_admin_auth_failures_total}, tag reason ({@code missing}, {@code invalid}). */
  public static final String ADMIN_AUTH_FAILURES = "passage.admin.auth.failures";

  /** Gauge {@code passage_process_resident_memory_bytes}: VmRSS from /proc/self/status. */
  public static final String PROCESS_RESIDENT_MEMORY = "passage.process.resident.memory.bytes";
  /** Gauge {@code passage_process_virtual_memory_bytes}: VmSize from /proc/self/status. */
  public static final String PROCESS_VIRTUAL_MEMORY = "passage.process.virtual.memory.bytes";
  /** Gauge {@code passage_netty_allocator_used_direct_bytes}: Netty's default pooled allocator. */
  public static final String NETTY_ALLOCATOR_USED_DIRECT = "passage.netty.allocator.used.direct.bytes";
  /** Gauge {@code passage_netty_allocator_used_heap_bytes}: Netty's default pooled allocator. */
  public static final String NETTY_ALLOCATOR_USED_HEAP = "passage.netty.allocator.used.heap.bytes";
  /** Gauge {@code passage_jvm_direct_buffers_used_bytes}: the JVM's "direct" buffer pool. */
  public static final String JVM_DIRECT_BUFFERS_USED = "passage.jvm.direct.buffers.used.bytes";
  /** Gauge {@code passage_jvm_direct_buffers}: live buffers in the JVM's "direct" pool (no _count suffix: promtool). */
  public static final String JVM_DIRECT_BUFFERS = "passage.jvm.direct.buffers";
}
