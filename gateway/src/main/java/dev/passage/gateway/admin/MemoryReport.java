package dev.passage.gateway.admin;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.json.JsonObject;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where the process's resident memory went, as one JSON document whose parts add up: the kernel's
 * RSS, each part the JVM can name, and the rest as {@code unexplained_bytes}. It exists because a
 * flat heap graph says nothing about RSS: direct buffers, metaspace, thread stacks and malloc
 * arenas all live outside the heap.
 */
public final class MemoryReport {

  static final String FORMULA = "unexplained_bytes = rss_bytes - (heap_committed_bytes + non_heap_committed_bytes"
      + " + direct_buffers_capacity_bytes + mapped_buffers_capacity_bytes"
      + " + netty_direct_outside_buffer_pools_bytes + thread_stacks_estimate_bytes)";

  /** HotSpot's default Java thread stack on 64-bit Linux, used when ThreadStackSize says "OS default". */
  static final long DEFAULT_STACK_BYTES = 1024L * 1024L;

  private final Supplier<Map<String, Long>> appParts;

  /**
   * @param appParts the gateway's own memory holders by name, in bytes (e.g. {@code
   *     capture_budget_in_use}, {@code audit_queue}); they live inside the heap or direct buffers
   *     counted above, so they are listed, never added to the sum
   */
  public MemoryReport(Supplier<Map<String, Long>> appParts) {
    this.appParts = Objects.requireNonNull(appParts, "appParts");
  }

  /** A report with only JVM and process parts. */
  public static MemoryReport jvmOnly() {
    return new MemoryReport(Map::of);
  }

  /** Builds the document. Blocking: reads /proc and, with NMT on, runs a diagnostic command. */
  public JsonObject snapshot() {
    Map<String, Long> proc = ProcStatus.read();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    JsonObject nonHeap = new JsonObject();
    long nonHeapCommitted = nonHeapPools(nonHeap);
    JsonObject buffers = new JsonObject();
    long[] directAndMapped = bufferPools(buffers);
    JsonObject netty = netty();
    JsonObject threads = threads(proc);

    JsonObject explained = new JsonObject()
        .put("heap_committed_bytes", heap.getCommitted())
        .put("non_heap_committed_bytes", nonHeapCommitted)
        .put("direct_buffers_capacity_bytes", directAndMapped[0])
        .put("mapped_buffers_capacity_bytes", directAndMapped[1])
        .put("netty_direct_outside_buffer_pools_bytes", netty.getLong("direct_outside_buffer_pools_bytes"))
        .put("thread_stacks_estimate_bytes", threads.getLong("stacks_estimate_bytes"));
    long explainedTotal = 0;
    for (String key : explained.fieldNames()) {
      explainedTotal += explained.getLong(key);
    }

    JsonObject doc = new JsonObject().put("timestamp", Instant.now().toString()).put("formula", FORMULA);
    Long rss = proc.get("VmRSS");
    doc.put("rss_bytes", rss)
        .put("explained", explained)
        .put("explained_total_bytes", explainedTotal)
        // Can go negative: committed heap and reserved stacks are counted whole, but only touched pages are resident.
        .put("unexplained_bytes", rss == null ? null : rss - explainedTotal);
    JsonObject procJson = new JsonObject();
    proc.forEach((k, v) -> {
      if (!k.equals("Threads")) {
        procJson.put(k, v);
      }
    });
    doc.put("proc_status_bytes", procJson.isEmpty() ? null : procJson)
        .put("heap", new JsonObject()
            .put("used_bytes", heap.getUsed())
            .put("committed_bytes", heap.getCommitted())
            .put("max_bytes", heap.getMax()))
        .put("non_heap_pools", nonHeap)
        .put("buffer_pools", buffers)
        .put("netty_pooled_allocator", netty)
        .put("threads", threads)
        .put("app_parts_bytes", app());
    NmtSummary.addTo(doc);
    return doc;
  }

  /** Adds metaspace, compressed class space and the code cache segments; returns their committed sum. */
  private static long nonHeapPools(JsonObject out) {
    long committed = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() != MemoryType.NON_HEAP || !pool.isValid()) {
        continue;
      }
      MemoryUsage usage = pool.getUsage();
      out.put(pool.getName(), new JsonObject()
          .put("used_bytes", usage.getUsed())
          .put("committed_bytes", usage.getCommitted()));
      committed += usage.getCommitted();
    }
    return committed;
  }

  /** Adds every buffer pool; returns {direct capacity, mapped capacity} (all "mapped*" pools together). */
  private static long[] bufferPools(JsonObject out) {
    long direct = 0;
    long mapped = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      long capacity = pool.getTotalCapacity();
      out.put(pool.getName(), new JsonObject()
          .put("count", pool.getCount())
          .put("used_bytes", pool.getMemoryUsed())
          .put("capacity_bytes", capacity));
      if (pool.getName().equals("direct")) {
        direct += capacity;
      } else if (pool.getName().startsWith("mapped")) {
        mapped += capacity;
      }
    }
    return new long[] {direct, mapped};
  }

  private static JsonObject netty() {
    PooledByteBufAllocatorMetric metric = PooledByteBufAllocator.DEFAULT.metric();
    // Netty allocates through ByteBuffer.allocateDirect (so the "direct" pool above already counts it)
    // unless it may bypass the JDK's cleaner; then only Netty's own counter sees that memory.
    boolean noCleaner = PlatformDependent.useDirectBufferNoCleaner();
    long outside = noCleaner ? Math.max(0, PlatformDependent.usedDirectMemory()) : 0;
    return new JsonObject()
        .put("used_direct_bytes", metric.usedDirectMemory())
        .put("used_heap_bytes", metric.usedHeapMemory())
        .put("direct_arenas", metric.numDirectArenas())
        .put("heap_arenas", metric.numHeapArenas())
        .put("chunk_size_bytes", metric.chunkSize())
        .put("direct_without_jdk_cleaner", noCleaner)
        .put("direct_outside_buffer_pools_bytes", outside);
  }

  private static JsonObject threads(Map<String, Long> proc) {
    long javaThreads = ManagementFactory.getThreadMXBean().getThreadCount();
    // The kernel's count includes GC and JIT compiler threads, which have stacks but no Thread object.
    long osThreads = proc.getOrDefault("Threads", javaThreads);
    long stackKib = DiagnosticCommands.vmOption("ThreadStackSize", 0);
    long stackBytes = stackKib > 0 ? stackKib * 1024L : DEFAULT_STACK_BYTES;
    return new JsonObject()
        .put("java_threads", javaThreads)
        .put("os_threads", osThreads)
        .put("stack_size_bytes", stackBytes)
        .put("stacks_estimate_bytes", osThreads * stackBytes)
        .put("note", "estimate: os_threads x ThreadStackSize (-Xss); stacks are reserved whole but only touched pages"
            + " are resident, so this is an upper bound");
  }

  private JsonObject app() {
    JsonObject out = new JsonObject();
    appParts.get().forEach(out::put);
    return out;
  }
}
