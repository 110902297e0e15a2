package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool's file format and bookkeeping, on real files: append, reopen, torn tails, deletion. */
class AuditSpoolTest {

  @TempDir Path dir;

  static SpoolSettings settings(Path dir, long maxBytes) {
    return new SpoolSettings(dir, maxBytes, FsyncPolicy.BATCH, Duration.ofSeconds(1), SpoolFullPolicy.FAIL_CLOSED);
  }

  static List<String[]> sinks(String... keys) {
    List<String[]> out = new ArrayList<>();
    for (String k : keys) {
      out.add(new String[] {k, "sink " + k});
    }
    return out;
  }

  static List<byte[]> lines(int from, int to, int padding) {
    List<byte[]> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(("{\"id\":\"r" + i + "\",\"pad\":\"" + "x".repeat(padding) + "\"}\n").getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  static List<String> ids(List<byte[]> lines) {
    return lines.stream().map(l -> new String(l, StandardCharsets.UTF_8).replaceAll("^\\{\"id\":\"([^\"]+)\".*\\n$", "$1"))
        .toList();
  }

  static void appendAll(AuditSpool spool, List<byte[]> lines) throws IOException {
    for (int done = 0; done < lines.size(); ) {
      done += spool.append(lines, done);
    }
  }

  /** Reads everything readable from the sink's acknowledged position on. */
  static SpoolBatch readAll(AuditSpool spool, String key) throws IOException {
    return spool.read(spool.cursor(key).acknowledged(), Integer.MAX_VALUE, Long.MAX_VALUE);
  }

  static List<Path> segmentFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(SpoolSegment.SUFFIX)).sorted().toList();
    }
  }

  @Test
  void whatASinkDidNotAcknowledgeIsReplayedToItAfterAReopen() throws Exception {
    AuditSpool spool = AuditSpool.open(settings(dir, 1 << 20), sinks("a", "b"));
    appendAll(spool, lines(0, 100, 50));
    SpoolBatch all = readAll(spool, "a");
    assertEquals(ids(lines(0, 100, 50)), ids(all.lines()));
    assertEquals(0, all.replayed(), "records of this run are not replays");
    SpoolBatch firstHalf = spool.read(spool.cursor("a").acknowledged(), 60, Long.MAX_VALUE);
    spool.acknowledge(spool.cursor("a"), firstHalf.next(), 0, null);
    spool.acknowledge(spool.cursor("b"), all.next(), 0, null);
    spool.close();

    AuditSpool reopened = AuditSpool.open(settings(dir, 1 << 20), sinks("a", "b"));
    SpoolBatch again = readAll(reopened, "a");
    assertEquals(ids(lines(60, 100, 50)), ids(again.lines()), "a gets exactly what it had not acknowledged");
    assertEquals(40, again.replayed());
    assertEquals(List.of(), readAll(reopened, "b").lines(), "b acknowledged everything");
    appendAll(reopened, lines(100, 110, 50));
    SpoolBatch more = readAll(reopened, "a");
    assertEquals(ids(lines(60, 110, 50)), ids(more.lines()), "then what this run appends, in order");
    assertEquals(40, more.replayed());
    reopened.close();
  }

  @Test
  void aTornTailIsCutAtReopenAndAppendsGoOnAfterIt() throws Exception {
    AuditSpool spool = AuditSpool.open(settings(dir, 1 << 20), sinks("a"));
    appendAll(spool, lines(0, 10, 20));
    spool.close();
    Path last = segmentFiles(dir).get(segmentFiles(dir).size() - 1);
    long whole = Files.size(last);
    // A crash mid-write: a header announcing 500 bytes, and only 30 of them.
    try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer torn = ByteBuffer.allocate(16 + 30).putInt(500).putInt(12345).putLong(System.currentTimeMillis());
      torn.position(torn.limit()).flip();
      ch.write(torn);
    }
    // And a flipped byte in the last whole frame's payload: its CRC no longer matches, so it goes too.
    try (FileChannel ch = FileChannel.open(last, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {'#'}), whole - 3);
    }

    AuditSpool reopened = AuditSpool.open(settings(dir, 1 << 20), sinks("a"));
    long lastFrame = SpoolSegment.frameBytes(lines(9, 10, 20).get(0));
    assertEquals(whole - lastFrame, Files.size(last), "cut after the last intact frame");
    appendAll(reopened, lines(10, 15, 20));
    SpoolBatch read = readAll(reopened, "a");
    List<String> expected = new ArrayList<>(ids(lines(0, 9, 20)));
    expected.addAll(ids(lines(10, 15, 20)));
    assertEquals(expected, ids(read.lines()));
    assertEquals(0, reopened.corruptBytes(), "the reader never met the torn bytes");
    reopened.close();
  }

  @Test
  void aSegmentIsDeletedOnlyWhenEverySinkAcknowledgedAllOfIt() throws Exception {
    // 1 MiB spool: 128 KiB segments; 1 KiB lines, appended 50 at a time, fill several.
    AuditSpool spool = AuditSpool.open(settings(dir, 1 << 20), sinks("a", "b"));
    for (int i = 0; i < 8; i++) {
      appendAll(spool, lines(i * 50, i * 50 + 50, 1000));
    }
    int segments = segmentFiles(dir).size();
    assertTrue(segments >= 3, "several segments: " + segments);
    assertEquals(segments, spool.segments());
    long bytes = spool.bytes();

    SpoolBatch all = readAll(spool, "a");
    assertEquals(400, all.lines().size());
    spool.acknowledge(spool.cursor("a"), all.next(), 0, null);
    assertEquals(segments, segmentFiles(dir).size(), "b has acknowledged nothing: every segment stays");
    assertEquals(bytes, spool.bytes());
    assertTrue(spool.oldestUnacknowledgedAgeMillis() >= 0);

    SpoolBatch part = spool.read(spool.cursor("b").acknowledged(), 250, Long.MAX_VALUE);
    spool.acknowledge(spool.cursor("b"), part.next(), 0, null);
    List<Path> left = segmentFiles(dir);
    assertTrue(left.size() < segments && left.size() > 1, "the segments wholly before b's position are gone: " + left);
    SpoolBatch rest = readAll(spool, "b");
    assertEquals(ids(lines(250, 400, 1000)), ids(rest.lines()), "and b still gets everything after its position");

    spool.acknowledge(spool.cursor("b"), rest.next(), 0, null);
    assertEquals(1, segmentFiles(dir).size(), "only the active segment is left");
    assertEquals(0, spool.oldestUnacknowledgedAgeMillis());
    spool.close();
  }

  @Test
  void aFullSpoolRefusesUntilEverySinkAcknowledgedAndThenRollsToFreeSpace() throws Exception {
    AuditSpool spool = AuditSpool.open(settings(dir, 1 << 20), sinks("a"));
    List<byte[]> big = lines(0, 2000, 1000);
    int done = 0;
    SpoolFullException full = null;
    while (full == null) {
      try {
        done += spool.append(big, done);
      } catch (SpoolFullException e) {
        full = e;
      }
    }
    assertTrue(spool.isRefusing());
    assertTrue(spool.bytes() <= spool.maxBytes(), spool.bytes() + " <= " + spool.maxBytes());
    assertTrue(done > 900 && done < 1100, "about 1 MiB of 1 KiB records: " + done);
    final int appended = done;
    assertThrows(SpoolFullException.class, () -> spool.append(big, appended), "still full");

    spool.acknowledge(spool.cursor("a"), readAll(spool, "a").next(), 0, null);
    done += spool.append(big, done);
    assertTrue(!spool.isRefusing(), "room again once the sink acknowledged");
    assertTrue(segmentFiles(dir).size() <= 2, segmentFiles(dir).toString());
    spool.close();
  }

  @Test
  void aSecondProcessCannotOpenTheSameSpool() throws Exception {
    AuditSpool spool = AuditSpool.open(settings(dir, 1 << 20), sinks("a"));
    // Another JVM would get null from tryLock; in this JVM the lock is held by this process already.
    assertThrows(Exception.class, () -> AuditSpool.open(settings(dir, 1 << 20), sinks("a")));
    spool.close();
  }
}
