package dev.passage.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Pins what Prometheus sees for every name in {@link MetricNames}, registered the way the comments
 * there say. Dashboards and alerts are written against these strings.
 */
class MetricNamesTest {

  @Test
  void everyPassageMeterIsExposedUnderItsDocumentedPrometheusName() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Map<String, String> expected = new LinkedHashMap<>();
    counter(registry, expected, MetricNames.REQUESTS, "passage_requests_total");
    counter(registry, expected, MetricNames.REQUESTS_REJECTED, "passage_requests_rejected_total");
    counter(registry, expected, MetricNames.CONNECTIONS_REFUSED, "passage_connections_refused_total");
    counter(registry, expected, MetricNames.UPSTREAM_RETRIES, "passage_upstream_retries_total");
    Timer.builder(MetricNames.REQUEST_DURATION).tag(MetricNames.TAG_ROUTE, "r").publishPercentileHistogram()
        .register(registry).record(Duration.ofMillis(5));
    expected.put(MetricNames.REQUEST_DURATION, "passage_request_duration_seconds_bucket");
    Timer.builder(MetricNames.UPSTREAM_TTFB).tag(MetricNames.TAG_ROUTE, "r").register(registry).record(Duration.ofMillis(1));
    expected.put(MetricNames.UPSTREAM_TTFB, "passage_upstream_ttfb_seconds_count");
    Timer.builder(MetricNames.UPSTREAM_CONNECT).tag(MetricNames.TAG_ROUTE, "r").register(registry).record(Duration.ofMillis(1));
    expected.put(MetricNames.UPSTREAM_CONNECT, "passage_upstream_connect_seconds_count");
    counter(registry, expected, MetricNames.UPSTREAM_CONNECT_ERRORS, "passage_upstream_connect_errors_total");
    counter(registry, expected, MetricNames.BYTES_RECEIVED, "passage_bytes_received_total");
    counter(registry, expected, MetricNames.BYTES_SENT, "passage_bytes_sent_total");
    gauge(registry, expected, MetricNames.ACTIVE_CONNECTIONS, "passage_active_connections");
    gauge(registry, expected, MetricNames.ACTIVE_WEBSOCKETS, "passage_active_websockets");
    gauge(registry, expected, MetricNames.ACTIVE_SSE_STREAMS, "passage_active_sse_streams");
    gauge(registry, expected, MetricNames.UPSTREAM_POOL_MAX_CONNECTIONS, "passage_upstream_pool_max_connections");
    gauge(registry, expected, MetricNames.UPSTREAM_REQUESTS_IN_FLIGHT, "passage_upstream_requests_in_flight");
    gauge(registry, expected, MetricNames.UPSTREAM_POOL_CONNECTIONS, "passage_upstream_pool_connections");
    gauge(registry, expected, MetricNames.UPSTREAM_POOL_PENDING, "passage_upstream_pool_pending_requests");
    gauge(registry, expected, MetricNames.UPSTREAM_POOL_MAX_PENDING, "passage_upstream_pool_max_pending_requests");
    gauge(registry, expected, MetricNames.UPSTREAM_TUNNELS, "passage_upstream_tunnels");
    counter(registry, expected, MetricNames.RESPONSES_502, "passage_responses_502_total");
    counter(registry, expected, MetricNames.RESPONSES_504, "passage_responses_504_total");
    counter(registry, expected, MetricNames.AUDIT_RECORDS_WRITTEN, "passage_audit_records_written_total");
    counter(registry, expected, MetricNames.AUDIT_RECORDS_DROPPED, "passage_audit_records_dropped_total");
    counter(registry, expected, MetricNames.AUDIT_SINK_ERRORS, "passage_audit_sink_errors_total");
    counter(registry, expected, MetricNames.AUDIT_GENERATIONS_DELETED, "passage_audit_generations_deleted_total");
    gauge(registry, expected, MetricNames.AUDIT_ROTATIONS_PENDING, "passage_audit_rotations_pending");
    counter(registry, expected, MetricNames.AUDIT_ROTATIONS_DEFERRED, "passage_audit_rotations_deferred_total");
    counter(registry, expected, MetricNames.AUDIT_COMPRESSION_ERRORS, "passage_audit_compression_errors_total");
    gauge(registry, expected, MetricNames.AUDIT_KAFKA_UNACKNOWLEDGED, "passage_audit_kafka_unacknowledged_records");
    counter(registry, expected, MetricNames.AUDIT_KAFKA_SEND_FAILURES, "passage_audit_kafka_send_failures_total");
    counter(registry, expected, MetricNames.AUDIT_KAFKA_REJECTED, "passage_audit_kafka_rejected_records_total");
    gauge(registry, expected, MetricNames.AUDIT_QUEUE_RECORDS, "passage_audit_queue_records");
    gauge(registry, expected, MetricNames.AUDIT_QUEUE_BYTES, "passage_audit_queue_bytes");
    gauge(registry, expected, MetricNames.AUDIT_QUEUE_LIMIT_BYTES, "passage_audit_queue_limit_bytes");
    gauge(registry, expected, MetricNames.AUDIT_SPOOL_BYTES, "passage_audit_spool_bytes");
    gauge(registry, expected, MetricNames.AUDIT_SPOOL_UNACKNOWLEDGED_BYTES, "passage_audit_spool_unacknowledged_bytes");
    gauge(registry, expected, MetricNames.AUDIT_SPOOL_SINK_LAG, "passage_audit_spool_sink_lag_bytes");
    gauge(registry, expected, MetricNames.AUDIT_SPOOL_LIMIT_BYTES, "passage_audit_spool_limit_bytes");
    gauge(registry, expected, MetricNames.AUDIT_SPOOL_SEGMENTS, "passage_audit_spool_segments");
    gauge(registry, expected, MetricNames.AUDIT_SPOOL_OLDEST_AGE, "passage_audit_spool_oldest_unacknowledged_age_seconds");
    counter(registry, expected, MetricNames.AUDIT_SPOOL_RECORDS, "passage_audit_spool_records_total");
    counter(registry, expected, MetricNames.AUDIT_SPOOL_REPLAYED, "passage_audit_spool_replayed_records_total");
    counter(registry, expected, MetricNames.AUDIT_SPOOL_LOST, "passage_audit_spool_lost_records_total");
    counter(registry, expected, MetricNames.AUDIT_SPOOL_ERRORS, "passage_audit_spool_errors_total");
    gauge(registry, expected, MetricNames.AUDIT_CHAIN_HEAD_SEQ, "passage_audit_chain_head_seq");
    gauge(registry, expected, MetricNames.AUDIT_CHECKPOINT_AGE, "passage_audit_checkpoint_age_seconds");
    counter(registry, expected, MetricNames.AUDIT_CHECKPOINTS, "passage_audit_checkpoints_total");
    counter(registry, expected, MetricNames.AUDIT_ANCHOR_ERRORS, "passage_audit_anchor_errors_total");
    counter(registry, expected, MetricNames.AUDIT_ANCHOR_DROPPED, "passage_audit_anchor_dropped_checkpoints_total");
    gauge(registry, expected, MetricNames.AUDIT_ANCHOR_QUEUED, "passage_audit_anchor_queued_checkpoints");
    counter(registry, expected, MetricNames.AUDIT_SPOOL_REFUSED, "passage_audit_spool_refused_exchanges_total");
    gauge(registry, expected, MetricNames.CAPTURE_BUDGET_IN_USE, "passage_capture_budget_in_use_bytes");
    gauge(registry, expected, MetricNames.CAPTURE_BUDGET_LIMIT, "passage_capture_budget_limit_bytes");
    counter(registry, expected, MetricNames.CAPTURE_BUDGET_EXHAUSTED, "passage_capture_budget_exhausted_total");
    gauge(registry, expected, MetricNames.CAPTURE_SHARE_IN_USE, "passage_capture_share_in_use_bytes");
    gauge(registry, expected, MetricNames.CAPTURE_SHARE_LIMIT, "passage_capture_share_limit_bytes");
    counter(registry, expected, MetricNames.CAPTURE_SHARE_EXHAUSTED, "passage_capture_share_exhausted_total");
    counter(registry, expected, MetricNames.CAPTURE_SKIPPED_BYTES, "passage_capture_skipped_bytes_total");
    counter(registry, expected, MetricNames.ADMIN_AUTH_FAILURES, "passage_admin_auth_failures_total");
    gauge(registry, expected, MetricNames.PROCESS_RESIDENT_MEMORY, "passage_process_resident_memory_bytes");
    gauge(registry, expected, MetricNames.PROCESS_VIRTUAL_MEMORY, "passage_process_virtual_memory_bytes");
    gauge(registry, expected, MetricNames.NETTY_ALLOCATOR_USED_DIRECT, "passage_netty_allocator_used_direct_bytes");
    gauge(registry, expected, MetricNames.NETTY_ALLOCATOR_USED_HEAP, "passage_netty_allocator_used_heap_bytes");
    gauge(registry, expected, MetricNames.JVM_DIRECT_BUFFERS_USED, "passage_jvm_direct_buffers_used_bytes");
    gauge(registry, expected, MetricNames.JVM_DIRECT_BUFFERS, "passage_jvm_direct_buffers");

    assertEquals(meterNameConstants(), new TreeSet<>(expected.keySet()), "every name in MetricNames is checked here");
    String scrape = registry.scrape();
    for (Map.Entry<String, String> e : expected.entrySet()) {
      assertTrue(scrape.contains("\n" + e.getValue() + "{") || scrape.contains("\n" + e.getValue() + " "),
          e.getKey() + " should print as " + e.getValue() + " in\n" + scrape);
    }
    assertTrue(scrape.contains("passage_request_duration_seconds_bucket{route=\"r\",le=\"+Inf\"} 1"), scrape);
    registry.close();
  }

  private static void counter(PrometheusMeterRegistry registry, Map<String, String> expected, String name, String prom) {
    Counter.builder(name).register(registry).increment();
    expected.put(name, prom);
  }

  private static void gauge(PrometheusMeterRegistry registry, Map<String, String> expected, String name, String prom) {
    Gauge.builder(name, () -> 1).strongReference(true).register(registry);
    expected.put(name, prom);
  }

  private static Set<String> meterNameConstants() throws IllegalStateException {
    Set<String> names = new TreeSet<>();
    for (Field f : MetricNames.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && !f.getName().startsWith("TAG_")) {
        try {
          names.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return names;
  }
}
