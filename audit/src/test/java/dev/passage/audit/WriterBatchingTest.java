package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer takes records in batches instead of waking for each one (a context switch per exchange
 * on a one-core gateway), and a lone record is still written promptly.
 */
class WriterBatchingTest {

  @TempDir Path dir;

  @Test
  void aSteadyStreamOfRecordsIsWrittenInFarFewerBatchesThanRecords() throws Exception {
    AtomicInteger batches = new AtomicInteger();
    Path file = dir.resolve("audit.jsonl");
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.counting(file, batches)), 10_000,
        QueueFullPolicy.BLOCK, Duration.ofMillis(50));
    int records = 2_000;
    for (int i = 0; i < records; i++) {
      assertTrue(pipeline.submitAdmitted(TestRecord.ok("r-" + i)));
      if (i % 20 == 19) {
        Thread.sleep(1); // an exchange rate the writer could follow record by record if it woke for each
      }
    }
    pipeline.close(Duration.ofSeconds(10));
    assertEquals(records, TestSinks.ids(file).size());
    assertTrue(batches.get() < records / 4, "batches: " + batches.get());
  }

  @Test
  void aLoneRecordIsWrittenWithoutWaitingForCompany() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    AuditPipeline pipeline = new AuditPipeline(List.of(TestSinks.counting(file, new AtomicInteger())), 10_000,
        QueueFullPolicy.BLOCK, Duration.ofMillis(10));
    try {
      pipeline.submitAdmitted(TestRecord.ok("alone"));
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (pipeline.written() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(1, pipeline.written());
    } finally {
      pipeline.close(Duration.ofSeconds(5));
    }
  }
}
