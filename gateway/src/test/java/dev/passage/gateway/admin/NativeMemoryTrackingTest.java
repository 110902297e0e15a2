package dev.passage.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** NMT can only be switched on at JVM launch, so this starts a child JVM the way the launcher does. */
class NativeMemoryTrackingTest {

  @Test
  void withNmtOnTheReportCarriesTheSummaryAndItsCommittedNumbers() throws Exception {
    // Surefire runs tests from a manifest-only jar; its real class path is in this property.
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(List.of(java.toString(), "-XX:NativeMemoryTracking=summary", "-Xmx64m",
        "-cp", classPath, NmtProbe.class.getName()))
        .redirectErrorStream(true)
        .start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    child.getInputStream().transferTo(out);
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, child.exitValue(), text);

    JsonObject doc = new JsonObject(text.substring(text.indexOf('{')).trim());
    assertEquals("summary", doc.getString("nmt"));
    assertTrue(doc.getString("nmt_summary").contains("Native Memory Tracking"), doc.getString("nmt_summary"));
    JsonObject committed = doc.getJsonObject("nmt_committed_kib");
    assertTrue(committed.getLong("Total") > 0, committed.encode());
    assertTrue(committed.getLong("Java Heap") > 0, committed.encode());
    assertTrue(committed.containsKey("Thread") && committed.containsKey("Class"), committed.encode());
    assertEquals(doc.getLong("rss_bytes"), doc.getLong("explained_total_bytes") + doc.getLong("unexplained_bytes"));
    // With NMT on, thread stacks are what NMT saw committed and the GC's native structures are counted.
    JsonObject explained = doc.getJsonObject("explained");
    assertEquals(committed.getLong("Thread") * 1024, explained.getLong("thread_stacks_bytes"));
    assertEquals(committed.getLong("GC") * 1024, explained.getLong("gc_native_bytes"));
    assertTrue(explained.getLong("gc_native_bytes") > 0);
  }
}
