package dev.passage.gateway.metrics;

import dev.passage.capture.CaptureBudget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * The meters of one route, registered when the route is built. Request counters are keyed by a
 * closed set of method labels (anything else counts as {@code OTHER}), so a client inventing
 * methods cannot grow the number of series.
 */
public final class RouteMeters {

  private static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
  private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"};
  private static final String OTHER_METHOD = "OTHER";

  private final MeterRegistry registry;
  private final String route;
  /** Per method label, one counter per status class, created on first use. */
  private final Map<String, Counter[]> requests = new ConcurrentHashMap<>();
  private final Timer duration;
  private final Timer ttfb;
  private final Timer connect;
  private final Counter bytesReceived;
  private final Counter bytesSent;
  private final Counter responses502;
  private final Counter responses504;
  private final Counter retries;
  private final Map<String, Counter> connectErrors = new ConcurrentHashMap<>();

  RouteMeters(MeterRegistry registry, String route) {
    this.registry = registry;
    this.route = route;
    this.duration = Timer.builder(MetricNames.REQUEST_DURATION).tag(MetricNames.TAG_ROUTE, route)
        .description("from the request's arrival until the exchange ended").publishPercentileHistogram()
        .register(registry);
    this.ttfb = Timer.builder(MetricNames.UPSTREAM_TTFB).tag(MetricNames.TAG_ROUTE, route)
        .description("from the request's arrival until the upstream's response headers").publishPercentileHistogram()
        .register(registry);
    this.connect = Timer.builder(MetricNames.UPSTREAM_CONNECT).tag(MetricNames.TAG_ROUTE, route)
        .description("waiting for an upstream connection: pool wait plus TCP connect").register(registry);
    this.bytesReceived = counter(MetricNames.BYTES_RECEIVED, "request body bytes read from clients");
    this.bytesSent = counter(MetricNames.BYTES_SENT, "response body bytes written to clients");
    this.responses502 = counter(MetricNames.RESPONSES_502, "502 answers the gateway gave itself");
    this.responses504 = counter(MetricNames.RESPONSES_504, "504 answers the gateway gave itself");
    this.retries = counter(MetricNames.UPSTREAM_RETRIES,
        "requests sent again after a reused upstream connection closed before any response byte");
  }

  /** A request was sent again after its pooled connection died under it (the keep-alive race). */
  public void retried() {
    retries.increment();
  }

  /**
   * Counts one ended exchange; {@code status} 0 means no status was sent (e.g. the client left), a
   * negative {@code durationNanos} leaves it out of the latency histogram (tunnels, event streams).
   */
  public void exchange(String method, int status, long durationNanos, long bytesIn, long bytesOut) {
    int statusClass = status >= 100 && status < 600 ? status / 100 : 0;
    String methodLabel = methodLabel(method);
    Counter[] byClass = requests.computeIfAbsent(methodLabel, m -> new Counter[STATUS_CLASSES.length]);
    Counter counter = byClass[statusClass];
    if (counter == null) {
      counter = Counter.builder(MetricNames.REQUESTS)
          .tags(MetricNames.TAG_ROUTE, route, MetricNames.TAG_METHOD, methodLabel,
              MetricNames.TAG_STATUS_CLASS, STATUS_CLASSES[statusClass])
          .description("exchanges ended, by route, method and status class").register(registry);
      // A racing thread may register the same meter: the registry returns the one instance.
      byClass[statusClass] = counter;
    }
    counter.increment();
    if (durationNanos >= 0) {
      duration.record(durationNanos, TimeUnit.NANOSECONDS);
    }
    if (bytesIn > 0) {
      bytesReceived.increment(bytesIn);
    }
    if (bytesOut > 0) {
      bytesSent.increment(bytesOut);
    }
  }

  public void firstByte(long nanos) {
    ttfb.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void connected(long nanos) {
    connect.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The gateway itself answered 502 or 504 (an upstream failure or timeout, not a relayed status). */
  public void gatewayError(int status) {
    if (status == 502) {
      responses502.increment();
    } else if (status == 504) {
      responses504.increment();
    }
  }

  public void connectError(String target) {
    connectErrors.computeIfAbsent(target, t -> Counter.builder(MetricNames.UPSTREAM_CONNECT_ERRORS)
        .tags(MetricNames.TAG_ROUTE, route, MetricNames.TAG_TARGET, t)
        .description("upstream connections refused or timed out").register(registry)).increment();
  }

  /** Pool gauges of one target: its connection limit and the requests it is serving now. */
  public <T> void target(String target, int maxConnections, T source, ToIntFunction<T> inFlight) {
    Gauge.builder(MetricNames.UPSTREAM_POOL_MAX_CONNECTIONS, () -> maxConnections)
        .tags(MetricNames.TAG_ROUTE, route, MetricNames.TAG_TARGET, target).strongReference(true)
        .description("connection limit of the upstream pool").register(registry);
    Gauge.builder(MetricNames.UPSTREAM_REQUESTS_IN_FLIGHT, source, s -> inFlight.applyAsInt(s))
        .tags(MetricNames.TAG_ROUTE, route, MetricNames.TAG_TARGET, target).strongReference(true)
        .description("requests sent to the target and not yet ended").register(registry);
  }

  /** The pool's own counts of one target: open connections and open tunnels (each bounded by the config). */
  public <T> void targetPool(String target, T source, ToIntFunction<T> connections, ToIntFunction<T> tunnels) {
    Gauge.builder(MetricNames.UPSTREAM_POOL_CONNECTIONS, source, s -> connections.applyAsInt(s))
        .tags(MetricNames.TAG_ROUTE, route, MetricNames.TAG_TARGET, target).strongReference(true)
        .description("open pooled connections to the target, busy or idle").register(registry);
    Gauge.builder(MetricNames.UPSTREAM_TUNNELS, source, s -> tunnels.applyAsInt(s))
        .tags(MetricNames.TAG_ROUTE, route, MetricNames.TAG_TARGET, target).strongReference(true)
        .description("WebSocket tunnel connections open to the target (upstream.max_websockets)").register(registry);
  }

  /** Requests of this route waiting for an upstream connection, and their bound. */
  public <T> void pending(int maxPending, T source, ToIntFunction<T> waiting) {
    Gauge.builder(MetricNames.UPSTREAM_POOL_PENDING, source, s -> waiting.applyAsInt(s)).tag(MetricNames.TAG_ROUTE, route)
        .strongReference(true).description("requests waiting for an upstream connection").register(registry);
    Gauge.builder(MetricNames.UPSTREAM_POOL_MAX_PENDING, () -> maxPending).tag(MetricNames.TAG_ROUTE, route)
        .strongReference(true).description("upstream.max_pending").register(registry);
  }

  /** The gauges and refusal counter of the route's share of the capture budget. */
  public void captureShare(CaptureBudget share) {
    Gauge.builder(MetricNames.CAPTURE_SHARE_IN_USE, share, CaptureBudget::inUse).tag(MetricNames.TAG_ROUTE, route)
        .strongReference(true).description("body capture memory this route's bodies reserve now").register(registry);
    Gauge.builder(MetricNames.CAPTURE_SHARE_LIMIT, share, CaptureBudget::limit).tag(MetricNames.TAG_ROUTE, route)
        .strongReference(true).description("this route's share of the capture budget (routes[].audit.budget_share)")
        .register(registry);
    FunctionCounter.builder(MetricNames.CAPTURE_SHARE_EXHAUSTED, share, CaptureBudget::exhaustedCount)
        .tag(MetricNames.TAG_ROUTE, route)
        .description("bodies of this route not kept, or cut short, because its capture share was full").register(registry);
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).tag(MetricNames.TAG_ROUTE, route).description(description).register(registry);
  }

  private static String methodLabel(String method) {
    for (String m : METHODS) {
      if (m.equals(method)) {
        return m;
      }
    }
    return OTHER_METHOD;
  }
}
