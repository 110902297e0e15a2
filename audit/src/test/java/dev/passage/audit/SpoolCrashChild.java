package dev.passage.audit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The process {@link SpoolCrashTest} kills with SIGKILL: a pipeline with a spool and a file sink,
 * fed by four threads as fast as the spool takes records, printing {@code spooled <id> .} for each
 * record whose callback said it is in the spool: what an engine would do before ending a response.
 */
public final class SpoolCrashChild {

  private SpoolCrashChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    AuditPipeline pipeline = new AuditPipeline(List.of(new JsonlFileSink(dir.resolve("audit.jsonl"), 64L << 20, 1)),
        1000, 64L << 20, QueueFullPolicy.BLOCK, Duration.ofMillis(100),
        new SpoolSettings(dir.resolve("spool"), 64L << 20, FsyncPolicy.BATCH, Duration.ofSeconds(1),
            SpoolFullPolicy.FAIL_CLOSED));
    for (int t = 0; t < 4; t++) {
      int thread = t;
      Thread feeder = new Thread(() -> {
        for (int i = 0; ; i++) {
          String id = "c" + thread + "-" + i;
          pipeline.submitAdmitted(TestRecord.ok(id), spooled -> {
            if (spooled) {
              System.out.println("spooled " + id + " .");
            }
          });
          if (i % 50 == 0) {
            try {
              Thread.sleep(1);
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      });
      feeder.setDaemon(true);
      feeder.start();
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
