package dev.passage.gateway.admin;

import dev.passage.gateway.metrics.MetricNames;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * The JVM and process meters scraped from {@code /metrics}: Micrometer's standard {@code jvm_*} and
 * {@code process_*} binders, plus the memory numbers those miss and that a gateway's RSS is made
 * of: the kernel's RSS/VmSize, Netty's pooled allocator and the JVM's direct buffer pool.
 */
final class JvmAndProcessMetrics implements MeterBinder, AutoCloseable {

  private final JvmGcMetrics gc = new JvmGcMetrics();

  @Override
  public void bindTo(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    // ProcessorMetrics' system.cpu.count and process.cpu.time are denied by GatewayMetrics' filter.
    new ProcessorMetrics().bindTo(registry);
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      FunctionCounter.builder("process.cpu", (com.sun.management.OperatingSystemMXBean) os,
              b -> b.getProcessCpuTime() / 1e9)
          .baseUnit("seconds").description("CPU time used by the process").register(registry);
    }

    Gauge.builder(MetricNames.PROCESS_RESIDENT_MEMORY, () -> ProcStatus.field("VmRSS"))
        .description("resident set size (VmRSS), -1 off Linux").register(registry);
    Gauge.builder(MetricNames.PROCESS_VIRTUAL_MEMORY, () -> ProcStatus.field("VmSize"))
        .description("virtual memory size (VmSize), -1 off Linux").register(registry);
    // Vert.x 5 allocates from Netty's default allocator (adaptive in Netty 4.2), not PooledByteBufAllocator.DEFAULT.
    if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider) {
      ByteBufAllocatorMetric allocator = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
      Gauge.builder(MetricNames.NETTY_ALLOCATOR_USED_DIRECT, allocator, ByteBufAllocatorMetric::usedDirectMemory)
          .strongReference(true).description("direct memory held by Netty's default allocator").register(registry);
      Gauge.builder(MetricNames.NETTY_ALLOCATOR_USED_HEAP, allocator, ByteBufAllocatorMetric::usedHeapMemory)
          .strongReference(true).description("heap memory held by Netty's default allocator").register(registry);
    }
    BufferPoolMXBean direct = directPool();
    if (direct != null) {
      Gauge.builder(MetricNames.JVM_DIRECT_BUFFERS_USED, direct, BufferPoolMXBean::getMemoryUsed)
          .strongReference(true).description("memory used by the JVM's direct ByteBuffers").register(registry);
      Gauge.builder(MetricNames.JVM_DIRECT_BUFFERS, direct, BufferPoolMXBean::getCount)
          .strongReference(true).description("number of live direct ByteBuffers").register(registry);
    }
  }

  /** Removes the GC notification listeners JvmGcMetrics installed. */
  @Override
  public void close() {
    gc.close();
  }

  private static BufferPoolMXBean directPool() {
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        return pool;
      }
    }
    return null;
  }
}
