package dev.passage.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.lang.ref.Reference;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The token-protected diagnostics, served by a real admin listener on loopback. */
class DebugEndpointsTest {

  static final String TOKEN = "debug-token";
  static final long MIB = 1024L * 1024L;
  static RunningAdmin admin;

  @BeforeAll
  static void start() throws Exception {
    MemoryReport memory = new MemoryReport(() -> Map.of("capture_budget_in_use", 4096L, "audit_queue", 12L));
    admin = new RunningAdmin(new AdminSettings(TOKEN), List.of(), memory);
  }

  @AfterAll
  static void stop() throws Exception {
    admin.close();
  }

  @Test
  void memoryPartsPlusUnexplainedEqualRss() throws Exception {
    JsonObject doc = memory();
    long rss = doc.getLong("rss_bytes");
    assertTrue(rss > 16 * MIB, "a JVM's RSS is above 16 MiB: " + rss);
    assertEquals(rss, doc.getJsonObject("proc_status_bytes").getLong("VmRSS"));
    JsonObject explained = doc.getJsonObject("explained");
    assertEquals(List.of("heap_committed_bytes", "non_heap_committed_bytes", "direct_buffers_capacity_bytes",
        "mapped_buffers_capacity_bytes", "netty_direct_outside_buffer_pools_bytes", "thread_stacks_bytes",
        "gc_native_bytes", "file_backed_resident_bytes"),
        List.copyOf(explained.fieldNames()));
    long sum = 0;
    for (String part : explained.fieldNames()) {
      assertTrue(doc.getString("formula").contains(part), part + " is named in the formula");
      sum += explained.getLong(part);
    }
    assertEquals(sum, doc.getLong("explained_total_bytes"));
    assertEquals(rss, sum + doc.getLong("unexplained_bytes"));

    assertTrue(explained.getLong("heap_committed_bytes") > 0);
    assertTrue(doc.getJsonObject("non_heap_pools").containsKey("Metaspace"), doc.encodePrettily());
    assertTrue(doc.getJsonObject("buffer_pools").containsKey("direct"), doc.encodePrettily());
    assertTrue(doc.getJsonObject("threads").getLong("os_threads") >= doc.getJsonObject("threads").getLong("java_threads"));
    // Without NMT the stacks are the reserved upper bound, and GC structures cannot be seen.
    assertTrue(doc.getJsonObject("threads").getString("stacks_source").startsWith("estimate"));
    assertEquals(0L, explained.getLong("gc_native_bytes"));
    assertTrue(explained.getLong("file_backed_resident_bytes") > 0, "libjvm's pages are file-backed");
    assertEquals(io.netty.buffer.ByteBufAllocator.DEFAULT.getClass().getSimpleName(),
        doc.getJsonObject("netty_allocator").getString("allocator"));
    assertTrue(doc.getJsonObject("netty_allocator").getLong("used_direct_bytes") >= 0);
    assertEquals(4096L, doc.getJsonObject("app_parts_bytes").getLong("capture_budget_in_use"));
    assertEquals(12L, doc.getJsonObject("app_parts_bytes").getLong("audit_queue"));
    // Tests run without -XX:NativeMemoryTracking.
    assertEquals("off", doc.getString("nmt"));
  }

  @Test
  void nettysDirectMemoryIsExplainedOnEveryJdk() throws Exception {
    // On JDK 17 Netty allocates through ByteBuffer.allocateDirect, on JDK 25 through memory
    // segments the JDK's direct pool does not count: either way the report must account for it.
    io.netty.buffer.ByteBuf held = io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer((int) (8 * MIB));
    try {
      JsonObject doc = memory();
      long nettyUsed = doc.getJsonObject("netty_allocator").getLong("netty_direct_bytes");
      assertTrue(nettyUsed >= 8 * MIB, "netty holds " + nettyUsed);
      JsonObject explained = doc.getJsonObject("explained");
      long accounted = explained.getLong("direct_buffers_capacity_bytes")
          + explained.getLong("netty_direct_outside_buffer_pools_bytes");
      assertTrue(accounted >= nettyUsed, "direct memory accounted " + accounted + " < netty's " + nettyUsed
         );
    } finally {
      held.release();
    }
  }

  @Test
  void fiftyMibOfDirectMemoryShowsInMemoryReportAndMetrics() throws Exception {
    long reportBefore = directCapacity(memory());
    double metricBefore = Double.parseDouble(admin.scrapedValue("passage_jvm_direct_buffers_used_bytes"));
    ByteBuffer fifty = ByteBuffer.allocateDirect((int) (50 * MIB));
    try {
      JsonObject after = memory();
      long grew = directCapacity(after) - reportBefore;
      // Other direct buffers (the JDK's per-thread I/O buffers, the HTTP client's) come and go while
      // this runs: one seen freed by 16 KiB once. 50 MiB must show; a MiB of churn may hide beside it.
      assertTrue(grew >= 49 * MIB, "direct capacity grew by " + grew);
      assertTrue(after.getJsonObject("buffer_pools").getJsonObject("direct").getLong("used_bytes") >= 50 * MIB);
      double metricGrew = Double.parseDouble(admin.scrapedValue("passage_jvm_direct_buffers_used_bytes")) - metricBefore;
      assertTrue(metricGrew >= 49 * MIB, "passage_jvm_direct_buffers_used_bytes grew by " + metricGrew);
      assertEquals(after.getLong("rss_bytes"),
          after.getLong("explained_total_bytes") + after.getLong("unexplained_bytes"));
    } finally {
      Reference.reachabilityFence(fifty);
    }
    fifty = null;
    System.gc();
  }

  @Test
  void heapHistogramAndThreadDumpAreServed() throws Exception {
    HttpResponse<String> histogram = admin.get("/debug/heap-histogram?top=5", TOKEN);
    assertEquals(200, histogram.statusCode(), histogram.body());
    assertTrue(histogram.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
    String[] lines = histogram.body().split("\n");
    long rows = Arrays.stream(lines).filter(l -> l.matches("\\s*\\d+:.*")).count();
    assertEquals(5, rows, histogram.body());
    assertTrue(histogram.body().contains("#instances"), histogram.body());
    assertTrue(lines[lines.length - 1].startsWith("Total"), histogram.body());

    String defaultTop = admin.get("/debug/heap-histogram", TOKEN).body();
    assertEquals(DebugEndpoints.DEFAULT_TOP, Arrays.stream(defaultTop.split("\n")).filter(l -> l.matches("\\s*\\d+:.*")).count());
    assertEquals(400, admin.get("/debug/heap-histogram?top=0", TOKEN).statusCode());
    assertEquals(400, admin.get("/debug/heap-histogram?top=lots", TOKEN).statusCode());

    HttpResponse<String> threads = admin.get("/debug/threads", TOKEN);
    assertEquals(200, threads.statusCode());
    assertTrue(threads.body().contains("\"main\""), threads.body());
    assertTrue(threads.body().contains("vert.x-eventloop-thread-"), "the event loop that served this is in the dump");
    assertTrue(threads.body().contains("java.lang.Thread.State:"), threads.body());
  }

  @Test
  void jfrRecordingCanBeStartedAndDownloaded() throws Exception {
    assertEquals(400, admin.post("/debug/jfr/start?seconds=0", TOKEN).statusCode());
    assertEquals(400, admin.post("/debug/jfr/start?seconds=601", TOKEN).statusCode());
    assertEquals(400, admin.post("/debug/jfr/start", TOKEN).statusCode());
    assertEquals(401, admin.post("/debug/jfr/start?seconds=1", null).statusCode());

    HttpResponse<String> started = admin.post("/debug/jfr/start?seconds=1", TOKEN);
    assertEquals(200, started.statusCode(), started.body());
    long id = new JsonObject(started.body()).getLong("id");
    assertEquals(409, admin.get("/debug/jfr/" + id, TOKEN).statusCode(), "still recording right after start");

    HttpResponse<byte[]> download = null;
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      download = admin.getBytes("/debug/jfr/" + id, TOKEN);
      if (download.statusCode() != 409) {
        break;
      }
      Thread.sleep(200);
    }
    assertNotNull(download);
    assertEquals(200, download.statusCode());
    byte[] body = download.body();
    assertTrue(body.length > 1024, "a recording with the default settings has events: " + body.length + " bytes");
    assertArrayEquals(new byte[] {'F', 'L', 'R', 0}, Arrays.copyOf(body, 4));
    assertEquals(404, admin.get("/debug/jfr/" + id, TOKEN).statusCode(), "a recording is handed out once");
    assertEquals(404, admin.get("/debug/jfr/not-a-number", TOKEN).statusCode());
  }

  @Test
  void recordingsNotYetDownloadedAreLimited() throws Exception {
    // Its own listener, so the recordings left waiting here cannot crowd out the other tests'.
    try (RunningAdmin own = new RunningAdmin(new AdminSettings(TOKEN), List.of(), MemoryReport.jvmOnly())) {
      for (int i = 0; i < AdminServer.MAX_PENDING_RECORDINGS; i++) {
        assertEquals(200, own.post("/debug/jfr/start?seconds=600", TOKEN).statusCode());
      }
      HttpResponse<String> refused = own.post("/debug/jfr/start?seconds=1", TOKEN);
      assertEquals(429, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("limit " + AdminServer.MAX_PENDING_RECORDINGS), refused.body());
    }
    assertThrows(IllegalArgumentException.class, () -> new JfrRecordings(0));
  }

  private static JsonObject memory() throws Exception {
    HttpResponse<String> response = admin.get("/debug/memory", TOKEN);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  private static long directCapacity(JsonObject doc) {
    return doc.getJsonObject("explained").getLong("direct_buffers_capacity_bytes");
  }
}
