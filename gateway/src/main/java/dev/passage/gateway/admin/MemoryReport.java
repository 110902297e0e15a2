package dev.passage.gateway.admin;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
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
      + " + netty_direct_outside_buffer_pools_bytes + thread_stacks_bytes + gc_native_bytes"
      + " + file_backed_resident_bytes)";

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
    NmtSummary nmt = NmtSummary.read();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    JsonObject nonHeap = new JsonObject();
    long nonHeapCommitted = nonHeapPools(nonHeap);
    JsonObject buffers = new JsonObject();
    long[] directAndMapped = bufferPools(buffers);
    JsonObject netty = netty(directAndMapped[0]);
    JsonObject threads = threads(proc, nmt);
    // G1's remembered sets and marking bitmaps are native and grow with the heap; only NMT sees them.
    long gcNative = nmt == null ? 0 : Math.max(0, nmt.committedBytes("GC"));

    JsonObject explained = new JsonObject()
        .put("heap_committed_bytes", heap.getCommitted())
        .put("non_heap_committed_bytes", nonHeapCommitted)
        .put("direct_buffers_capacity_bytes", directAndMapped[0])
        .put("mapped_buffers_capacity_bytes", directAndMapped[1])
        .put("netty_direct_outside_buffer_pools_bytes", netty.getLong("direct_outside_buffer_pools_bytes"))
        .put("thread_stacks_bytes", threads.getLong("stacks_bytes"))
        .put("gc_native_bytes", gcNative)
        // Pages of libjvm, other shared libraries, the CDS archive and mapped jars: resident, but not
        // anonymous memory, so none of the parts above holds them.
        .put("file_backed_resident_bytes", proc.getOrDefault("RssFile", 0L));
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
        .put("netty_allocator", netty)
        .put("threads", threads)
        .put("app_parts_bytes", app());
    NmtSummary.addTo(doc, nmt);
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

  private static JsonObject netty(long jdkDirectCapacity) {
    // Vert.x 5 allocates from Netty's default allocator (the adaptive one in Netty 4.2), not from
    // PooledByteBufAllocator.DEFAULT, so ask whichever allocator is the default for its metric.
    ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
    JsonObject out = new JsonObject().put("allocator", allocator.getClass().getSimpleName());
    if (allocator instanceof ByteBufAllocatorMetricProvider) {
      ByteBufAllocatorMetric metric = ((ByteBufAllocatorMetricProvider) allocator).metric();
      out.put("used_direct_bytes", metric.usedDirectMemory()).put("used_heap_bytes", metric.usedHeapMemory());
      if (metric instanceof PooledByteBufAllocatorMetric) {
        PooledByteBufAllocatorMetric pooled = (PooledByteBufAllocatorMetric) metric;
        out.put("direct_arenas", pooled.numDirectArenas())
            .put("heap_arenas", pooled.numHeapArenas())
            .put("chunk_size_bytes", pooled.chunkSize());
      }
    }
    // Whether Netty's direct memory shows in the JDK's "direct" pool depends on how Netty allocates:
    // through ByteBuffer.allocateDirect on JDK 17 it does; on JDK 25 Netty 4.2's chunks do not. The
    // part of Netty's own count the pool cannot hold is added; never more, so nothing counts twice.
    long nettyDirect = Math.max(0, PlatformDependent.usedDirectMemory());
    long outside = Math.max(0, nettyDirect - jdkDirectCapacity);
    return out.put("netty_direct_bytes", nettyDirect).put("direct_outside_buffer_pools_bytes", outside);
  }

  private static JsonObject threads(Map<String, Long> proc, NmtSummary nmt) {
    long javaThreads = ManagementFactory.getThreadMXBean().getThreadCount();
    // The kernel's count includes GC and JIT compiler threads, which have stacks but no Thread object.
    long osThreads = proc.getOrDefault("Threads", javaThreads);
    long stackKib = DiagnosticCommands.vmOption("ThreadStackSize", 0);
    long stackBytes = stackKib > 0 ? stackKib * 1024L : DEFAULT_STACK_BYTES;
    long estimate = osThreads * stackBytes;
    long nmtCommitted = nmt == null ? -1 : nmt.committedBytes("Thread");
    JsonObject out = new JsonObject()
        .put("java_threads", javaThreads)
        .put("os_threads", osThreads)
        .put("stack_size_bytes", stackBytes)
        .put("stacks_reserved_estimate_bytes", estimate);
    if (nmtCommitted >= 0) {
      // Stacks are reserved whole but committed page by page as they deepen: NMT knows the committed part.
      return out.put("stacks_bytes", nmtCommitted).put("stacks_source", "nmt: Thread committed");
    }
    return out.put("stacks_bytes", estimate)
        .put("stacks_source", "estimate: os_threads x ThreadStackSize, an upper bound (NMT is off)");
  }

  private JsonObject app() {
    JsonObject out = new JsonObject();
    appParts.get().forEach(out::put);
    return out;
  }
}
