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
      assertTrue(log.list.stream().anyMatch(e -> e.getLevel() == Level.ERROR
          && e.getFormattedMessage().contains("treated as full")), "logged at ERROR");
      assertEquals(0, p.dropped());

      readOnly(spoolDir, false);
      SpoolPipelineTest.await(() -> p.written() == 320, "every record delivered once the disk works again");
      assertFalse(p.refusesExchanges());
      assertEquals(SpoolPipelineTest.ids(0, 320), SpoolPipelineTest.idSet(file));
      assertEquals(0, p.dropped());
    } finally {
      readOnly(spoolDir, false);
      p.close(Duration.ofSeconds(10));
      logger.detachAppender(log);
    }
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
