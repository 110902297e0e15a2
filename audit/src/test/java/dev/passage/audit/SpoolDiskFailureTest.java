package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A spool directory that turns read-only under load behaves like a full spool, loudly: the failure
 * is logged at ERROR and counted, exchanges are refused under fail_closed, nothing is lost, and
 * everything flows again once the directory is writable.
 */
class SpoolDiskFailureTest {

  @TempDir Path dir;

  @Test
  void aReadOnlySpoolDirectoryIsTreatedAsFullLoudlyAndRecovers() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(AuditSpool.class);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
    Level level = logger.getLevel();
    logger.setLevel(Level.INFO);
    Path spoolDir = dir.resolve("spool");
    Path file = dir.resolve("audit.jsonl");
    AuditPipeline p = SpoolPipelineTest.pipeline(List.of(new JsonlFileSink(file, 64L << 20, 1)),
        SpoolPipelineTest.spool(spoolDir, 1 << 20, SpoolFullPolicy.FAIL_CLOSED));
    try {
      SpoolPipelineTest.submit(p, 0, 20);
      SpoolPipelineTest.await(() -> p.written() == 20, "delivered while the disk works");
      readOnly(spoolDir, true);
      // 300 records of about 1 KiB do not fit the 128 KiB segment: the spool must create another, and cannot.
      SpoolPipelineTest.submit(p, 20, 320);
      SpoolPipelineTest.await(p::refusesExchanges, "a spool that cannot write refuses, like a full one");
      assertFalse(p.isAccepting());
      assertTrue(p.spool().diskErrors() > 0);
      assertTrue(p.spool().problem().startsWith("disk failed"), p.spool().problem());
      assertTrue(count(log, "treated as full") >= 1, "logged at ERROR");
      assertEquals(0, p.dropped());
      // The writer retries every few ms to 1 s and the delivery acknowledges every flush: each keeps
      // failing, and each kind of failure is logged once when it starts (then once per 10 s), not per attempt.
      Thread.sleep(1_500);
      assertEquals(1, count(log, "treated as full"), "the refusal is logged once, not per retry:\n" + lines(log));
      assertTrue(count(log, "persisting a sink's cursor failed") <= 1, "a failing cursor write is logged once");

      readOnly(spoolDir, false);
      SpoolPipelineTest.await(() -> p.written() == 320, "every record delivered once the disk works again");
      assertFalse(p.refusesExchanges());
      assertEquals(SpoolPipelineTest.ids(0, 320), SpoolPipelineTest.idSet(file));
      assertEquals(0, p.dropped());
      assertEquals(1, count(log, "takes records again after"), "the recovery is logged:\n" + lines(log));
    } finally {
      readOnly(spoolDir, false);
      p.close(Duration.ofSeconds(10));
      logger.detachAppender(log);
      logger.setLevel(level);
    }
  }

  static String lines(ListAppender<ILoggingEvent> log) {
    synchronized (log) {
      return String.join("\n", log.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList());
    }
  }

  /** Log lines containing {@code text} (copied under the appender's lock: other threads append meanwhile). */
  static long count(ListAppender<ILoggingEvent> log, String text) {
    List<ILoggingEvent> events;
    synchronized (log) {
      events = List.copyOf(log.list);
    }
    return events.stream().filter(e -> e.getFormattedMessage().contains(text)).count();
  }

  /**
   * Read-only for this process. Root ignores permission bits, so as root the directory is made
   * immutable ({@code chattr +i}), which stops root as well.
   */
  static void readOnly(Path dir, boolean on) throws Exception {
    if ("root".equals(System.getProperty("user.name"))) {
      Process chattr = new ProcessBuilder("chattr", on ? "+i" : "-i", dir.toString()).inheritIO().start();
      assertEquals(0, chattr.waitFor(), "chattr");
    } else {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(on ? "r-xr-xr-x" : "rwxr-xr-x"));
    }
  }
}
