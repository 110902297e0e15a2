package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fsync of {@code fsync: batch} on its own thread: batches are settled as spooled only after a
 * force of their segment, in the order they were handed over, and a segment that every sink
 * acknowledged and deleted meanwhile counts as spooled.
 */
class SpoolSyncerTest {

  @TempDir Path dir;

  private final List<String> settled = new CopyOnWriteArrayList<>();

  private List<PendingRecord> records(String... names) {
    List<PendingRecord> out = new ArrayList<>();
    for (String name : names) {
      out.add(new AwaitedRecord(TestRecord.ok(name), spooled -> settled.add(name + (spooled ? "" : ":lost"))));
    }
    return out;
  }

  @Test
  void batchesAreSettledInOrderAfterTheirSegmentIsForced() throws Exception {
    Path first = Files.writeString(dir.resolve("1.spool"), "a");
    Path second = Files.writeString(dir.resolve("2.spool"), "b");
    AtomicLong errors = new AtomicLong();
    SpoolSyncer syncer = new SpoolSyncer(dir, errors);
    syncer.start();
    syncer.submit(first, records("a1", "a2"));
    syncer.submit(first, records("a3"));
    syncer.submit(second, records("b1"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (settled.size() < 4 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(List.of("a1", "a2", "a3", "b1"), settled);
    syncer.close();
    assertEquals(0, errors.get());
  }

  @Test
  void aSegmentDeletedAfterEverySinkAcknowledgedItCountsAsSpooled() throws Exception {
    SpoolSyncer syncer = new SpoolSyncer(dir, new AtomicLong());
    syncer.start();
    syncer.submit(dir.resolve("gone.spool"), records("x"));
    syncer.close();
    assertEquals(List.of("x"), settled);
  }

  @Test
  void closeSettlesWhatWasHandedOverLast() throws Exception {
    Path segment = Files.writeString(dir.resolve("1.spool"), "a");
    SpoolSyncer syncer = new SpoolSyncer(dir, new AtomicLong());
    syncer.start();
    for (int i = 0; i < 100; i++) {
      syncer.submit(segment, records("r" + i));
    }
    syncer.close();
    assertEquals(100, settled.size());
    assertTrue(settled.stream().noneMatch(s -> s.endsWith(":lost")), settled.toString());
    assertEquals("r99", settled.get(99));
  }
}
