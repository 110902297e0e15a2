package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a process mid-load: every record its callback reported as spooled is in the
 * sink after the next start replayed the spool. This is the audit-level half of the sync guarantee
 * ("no client receives the end of a response whose record is not in the spool"); the engine's half
 * is to end the response only in that callback.
 */
class SpoolCrashTest {

  @TempDir Path dir;

  static long completeLines(Path file) throws java.io.IOException {
    if (!java.nio.file.Files.exists(file)) {
      return 0;
    }
    long n = 0;
    for (byte b : java.nio.file.Files.readAllBytes(file)) {
      if (b == '\n') {
        n++;
      }
    }
    return n;
  }

  static long sizeOf(Path file) {
    try {
      return java.nio.file.Files.size(file);
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  @Test
  void everyRecordReportedSpooledSurvivesAKillNineAndIsDeliveredAfterRestart() throws Exception {
    // The child's stdout goes to a file: whatever it printed before SIGKILL is there, none of it in a pipe.
    Path printed = dir.resolve("child.out");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), SpoolCrashChild.class.getName(), dir.toString())
        .redirectOutput(printed.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      // About 20k records of ~1 KiB: mid-load, with segments, cursors and a file sink at work.
      while (sizeOf(printed) < 20_000L * 20 && System.nanoTime() < deadline && child.isAlive()) {
        Thread.sleep(20);
      }
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no flush
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
    } finally {
      child.destroyForcibly();
    }
    Set<String> spooled = new HashSet<>();
    for (String line : java.nio.file.Files.readAllLines(printed, StandardCharsets.UTF_8)) {
      if (line.startsWith("spooled ") && line.endsWith(" .")) { // a line cut by the kill is not counted
        spooled.add(line.substring("spooled ".length(), line.length() - 2));
      }
    }
    assertEquals(137, child.exitValue(), "killed by SIGKILL");
    assertTrue(spooled.size() >= 5_000, "the child spooled records before it was killed: " + spooled.size());

    Path file = dir.resolve("audit.jsonl");
    // Only whole lines: the kill may have cut the sink's last line, which the restart repairs.
    long before = completeLines(file);
    AuditPipeline restarted = new AuditPipeline(List.of(new JsonlFileSink(file, 64L << 20, 1)), 1000, 64L << 20,
        QueueFullPolicy.BLOCK, Duration.ofMillis(100), new SpoolSettings(dir.resolve("spool"), 64L << 20,
            FsyncPolicy.BATCH, Duration.ofSeconds(1), SpoolFullPolicy.FAIL_CLOSED));
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (restarted.spool().unacknowledgedBytes() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(0, restarted.spool().unacknowledgedBytes());
    } finally {
      restarted.close(Duration.ofSeconds(10));
    }
    List<String> ids = TestSinks.ids(file);
    Set<String> missing = new HashSet<>(spooled);
    missing.removeAll(new HashSet<>(ids));
    System.out.printf("spool crash test: %d records reported spooled before SIGKILL, %d lines in the sink before the "
        + "restart, %d after it (%d replayed, %d duplicate lines), %d missing%n", spooled.size(), before, ids.size(),
        restarted.spool().replayedRecords(), ids.size() - new HashSet<>(ids).size(), missing.size());
    assertEquals(Set.of(), missing, "every record reported spooled reached the sink");
    assertTrue(restarted.spool().replayedRecords() > 0, "some had not been acknowledged before the kill: replayed");
  }
}
