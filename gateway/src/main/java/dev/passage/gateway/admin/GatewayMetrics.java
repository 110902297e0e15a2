package dev.passage.gateway.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Passage's meters, all under the {@code passage_} prefix, plus the JVM's and the process's memory
 * (RSS and virtual size from /proc/self/status, so RSS growth the heap does not explain is visible).
 */
public final class GatewayMetrics implements AutoCloseable {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();

  public GatewayMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    gc.bindTo(registry);
    Gauge.builder("passage.process.resident.memory", () -> procStatusBytes("VmRSS:")).baseUnit("bytes")
        .description("resident set size from /proc/self/status").register(registry);
    Gauge.builder("passage.process.virtual.memory", () -> procStatusBytes("VmSize:")).baseUnit("bytes")
        .description("virtual size from /proc/self/status").register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Counts one ended exchange and its duration. */
  public void exchange(String route, String method, int status, long durationNanos) {
    String r = route == null ? "none" : route;
    Counter.builder("passage.requests").tags("route", r, "method", method, "status_class", status / 100 + "xx")
        .register(registry).increment();
    Timer.builder("passage.request.duration").tag("route", r).publishPercentileHistogram()
        .register(registry).record(durationNanos, TimeUnit.NANOSECONDS);
  }

  /** A counter over a monotonic number kept elsewhere, e.g. records written by the audit pipeline. */
  public <T> void counter(String name, T source, java.util.function.ToDoubleFunction<T> value) {
    // Micrometer holds the source weakly: pass the long-lived object itself, not a fresh lambda.
    io.micrometer.core.instrument.FunctionCounter.builder(name, source, value).register(registry);
  }

  /** A gauge over some live number, e.g. the audit queue length. */
  public void gauge(String name, String unit, Supplier<Number> value) {
    Gauge.builder(name, value).baseUnit(unit).register(registry);
  }

  static double procStatusBytes(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field)) {
          String[] parts = line.substring(field.length()).trim().split("\\s+");
          return Double.parseDouble(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
