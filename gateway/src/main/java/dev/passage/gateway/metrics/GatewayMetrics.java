package dev.passage.gateway.metrics;

import dev.passage.capture.SkipReason;
import dev.passage.gateway.edge.RefusalReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The gateway's own meters, named by {@link MetricNames}. Everything on the request path is
 * resolved once, when a route is built ({@link RouteMeters}), so an exchange only increments: a
 * registry lookup per request is a map walk and a tag sort the hot path does not need. JVM and
 * process meters are bound by the {@link AdminServer}.
 */
public final class GatewayMetrics implements AutoCloseable {

  /** Route label of exchanges no route matched (404s). */
  public static final String NO_ROUTE = "none";
  /** Reason label of body bytes beyond a route's capture limit. */
  public static final String TRUNCATED = "truncated";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong activeConnections = new AtomicLong();
  private final AtomicLong activeWebSockets = new AtomicLong();
  private final AtomicLong activeSseStreams = new AtomicLong();
  private final Map<SkipReason, Counter> skippedBytes = new EnumMap<>(SkipReason.class);
  private final Counter truncatedBytes;
  private final Map<RefusalReason, Counter> rejected = new EnumMap<>(RefusalReason.class);
  private final Counter connectionsRefused;

  public GatewayMetrics() {
    // Filters must come before the first meter (Micrometer warns otherwise). ProcessorMetrics' (bound
    // by the admin listener) system.cpu.count and process.cpu.time in ns break Prometheus naming
    // rules (promtool check metrics); the CPU time is exposed under its standard name instead.
    registry.config().meterFilter(MeterFilter.deny(id ->
        id.getName().equals("system.cpu.count") || id.getName().equals("process.cpu.time")));
    gauge(MetricNames.ACTIVE_CONNECTIONS, activeConnections, "open client connections on the proxy listener");
    gauge(MetricNames.ACTIVE_WEBSOCKETS, activeWebSockets, "open WebSocket tunnels");
    gauge(MetricNames.ACTIVE_SSE_STREAMS, activeSseStreams, "server-sent event responses being streamed");
    for (SkipReason reason : SkipReason.values()) {
      // ENCODING is decided when the record is rendered, after the bytes were kept: not a tee skip.
      if (reason != SkipReason.ENCODING) {
        skippedBytes.put(reason, skippedCounter(reason.wireName()));
      }
    }
    truncatedBytes = skippedCounter(TRUNCATED);
    for (RefusalReason reason : RefusalReason.values()) {
      // Every reason from the start, at 0: an alert on a rate needs the series before the first refusal.
      rejected.put(reason, Counter.builder(MetricNames.REQUESTS_REJECTED).tag(MetricNames.TAG_REASON, reason.wireName())
          .description("requests the gateway refused by itself, by reason (docs/security.md)").register(registry));
    }
    connectionsRefused = Counter.builder(MetricNames.CONNECTIONS_REFUSED)
        .description("client connections closed at once because server.max_connections were open").register(registry);
  }

  public void rejected(RefusalReason reason) {
    rejected.get(reason).increment();
  }

  public void connectionRefused() {
    connectionsRefused.increment();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The meters of one route; call once per route (and once with {@link #NO_ROUTE}). */
  public RouteMeters route(String name) {
    return new RouteMeters(registry, name);
  }

  public void connectionOpened() {
    activeConnections.incrementAndGet();
  }

  public void connectionClosed() {
    activeConnections.decrementAndGet();
  }

  public void webSocketOpened() {
    activeWebSockets.incrementAndGet();
  }

  public void webSocketClosed() {
    activeWebSockets.decrementAndGet();
  }

  public void sseStarted() {
    activeSseStreams.incrementAndGet();
  }

  public void sseEnded() {
    activeSseStreams.decrementAndGet();
  }

  /** Body bytes that passed without being kept for the audit record, and why. */
  public void skipped(SkipReason reason, long bytes) {
    Counter counter = skippedBytes.get(reason);
    if (bytes > 0 && counter != null) {
      counter.increment(bytes);
    }
  }

  /** Body bytes beyond the capture limit of a body that was otherwise kept. */
  public void truncated(long bytes) {
    if (bytes > 0) {
      truncatedBytes.increment(bytes);
    }
  }

  /** A counter over a monotonic number kept elsewhere, e.g. records written by the audit pipeline. */
  public <T> void counter(String name, String description, T source, ToDoubleFunction<T> value) {
    // Micrometer holds the source weakly: pass the long-lived object itself, not a fresh lambda.
    FunctionCounter.builder(name, source, value).description(description).register(registry);
  }

  /** A gauge over some live number of a long-lived object, e.g. the audit queue length. */
  public <T> void gauge(String name, String description, T source, ToLongFunction<T> value) {
    Gauge.builder(name, source, s -> value.applyAsLong(s)).strongReference(true).description(description)
        .register(registry);
  }

  /** A gauge with one tag, over a live number of a long-lived object. */
  public <T> void gauge(String name, String tag, String tagValue, String description, T source, ToLongFunction<T> value) {
    Gauge.builder(name, source, s -> value.applyAsLong(s)).tag(tag, tagValue).strongReference(true)
        .description(description).register(registry);
  }

  /** A gauge in seconds over a live number of milliseconds, e.g. the age of the oldest spooled record. */
  public <T> void gaugeSeconds(String name, String description, T source, ToLongFunction<T> millis) {
    Gauge.builder(name, source, s -> millis.applyAsLong(s) / 1000.0).strongReference(true).description(description)
        .register(registry);
  }

  private void gauge(String name, AtomicLong value, String description) {
    Gauge.builder(name, value, AtomicLong::get).strongReference(true).description(description).register(registry);
  }

  private Counter skippedCounter(String reason) {
    return Counter.builder(MetricNames.CAPTURE_SKIPPED_BYTES).tag(MetricNames.TAG_REASON, reason)
        .description("body bytes forwarded without being kept for the audit record, by reason")
        .register(registry);
  }

  @Override
  public void close() {
    registry.close();
  }
}
