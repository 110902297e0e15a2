package dev.passage.audit;

import static dev.passage.audit.JsonlFileSinkTest.allLines;
import static dev.passage.audit.JsonlFileSinkTest.generations;
import static dev.passage.audit.JsonlFileSinkTest.line;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Rotation under adversity: slow or failing compression, crashes part way, retention. */
class JsonlFileSinkRotationTest {

  @TempDir Path dir;

  @Test
  void aRotationDoesNotWaitForTheFileToBeCompressed() throws IOException {
    long limit = 16L << 20;
    Random random = new Random(7);
    List<byte[]> lines = new ArrayList<>();
    for (long bytes = 0; bytes + 1000 <= limit; bytes += 1000) {
      lines.add(noisyLine(lines.size(), 1000, random)); // hex noise: gzip has real work to do
    }
    // What compressing such a file costs on this machine, now: the work the writer must not wait for.
    Path reference = dir.resolve("reference.jsonl");
    try (OutputStream out = Files.newOutputStream(reference)) {
      for (byte[] l : lines) {
        out.write(l);
      }
    }
    long compressStart = System.nanoTime();
    gzip(reference, dir.resolve("reference.jsonl.gz"));
    long compressNanos = System.nanoTime() - compressStart;

    Path file = dir.resolve("logs/audit.jsonl");
    JsonlFileSink sink = new JsonlFileSink(file, limit);
    sink.write(lines);
    sink.flush();
    long rotateStart = System.nanoTime();
    sink.write(List.of(line(lines.size(), 1000))); // does not fit: rotates
    long rotateNanos = System.nanoTime() - rotateStart;
    sink.flush();
    long flushNanos = System.nanoTime() - rotateStart;
    sink.close();

    assertTrue(rotateNanos * 4 < compressNanos, "the write that rotated took " + rotateNanos / 1_000_000
        + " ms (with the next flush " + flushNanos / 1_000_000 + " ms), compressing the file " + compressNanos / 1_000_000 + " ms");
    assertEquals(1, generations(file).size());
    assertEquals(lines.size() + 1, allLines(file).size());
  }

  @Test
  void compressionRunsAtTheLeastCpuPriority() throws Exception {
    Assumptions.assumeTrue(Files.isSymbolicLink(Path.of("/proc/thread-self")), "needs Linux /proc");
    int callerNice = BackgroundPriority.currentNice();
    Path file = dir.resolve("audit.jsonl");
    JsonlFileSink sink = new JsonlFileSink(file, 1L << 20);
    try {
      // The kernel keeps 15 characters of a thread's name; the sink's compressor is its only such thread.
      await(() -> compressorNice() == BackgroundPriority.NICE, "the compressor thread at nice 19");
      assertEquals(callerNice, BackgroundPriority.currentNice(), "the caller's own priority is untouched");
    } finally {
      sink.close();
    }
  }

  /** The nice value of this JVM's passage-audit-compress thread, or MIN_VALUE while there is none. */
  private static int compressorNice() {
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        if (Files.readString(task.resolve("comm")).strip().equals("passage-audit-c")) {
          return BackgroundPriority.niceOf(task.getFileName().toString());
        }
      }
    } catch (IOException e) {
      return Integer.MIN_VALUE;
    }
    return Integer.MIN_VALUE;
  }

  @Test
  void everyLineSurvivesRotationsInARowWhileCompressionIsHeldUp() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    // A directory where the compressed file must be written holds the compressor up, even as root.
    Path blocker = Files.createDirectory(dir.resolve("audit.jsonl.1.gz.tmp"));
    JsonlFileSink sink = new JsonlFileSink(file, 1024, RotatedFiles.KEEP_ALL, 3);
    int written = 0;
    for (; written < 20; written++) {
      sink.write(List.of(line(written, 300))); // three lines a file
    }
    sink.flush();

    assertEquals(3, sink.pendingRotations(), "three full files wait for the compressor");
    assertEquals(1, sink.deferredRotations(), "then rotation waits, the writer does not");
    assertTrue(Files.size(file) > 1024, "the active file grows meanwhile: " + Files.size(file));
    await(() -> sink.compressionErrors() > 0, "the compressor keeps trying");
    assertEquals(List.of("audit.jsonl.rotating.1", "audit.jsonl.rotating.2", "audit.jsonl.rotating.3"), names(pending(file)));
    List<String> onDisk = new ArrayList<>();
    for (Path p : pending(file)) {
      onDisk.addAll(Files.readAllLines(p));
    }
    onDisk.addAll(Files.readAllLines(file));
    assertEquals(numbers(0, written), ns(onDisk), "every line is in a rotated file or the active one");

    Files.delete(blocker);
    await(() -> sink.pendingRotations() == 0, "the compressor catches up once it can write");
    for (int end = written + 10; written < end; written++) {
      sink.write(List.of(line(written, 300)));
    }
    sink.close();
    assertEquals(numbers(0, written), allLines(file));
    assertEquals(0, sink.deletedGenerations());
  }

  @Test
  void closeCompressesWhatIsStillPending() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    JsonlFileSink sink = new JsonlFileSink(file, 1024, RotatedFiles.KEEP_ALL, 100);
    int written = 0;
    for (; written < 60; written++) {
      sink.write(List.of(line(written, 300)));
    }
    sink.close();
    assertEquals(0, sink.pendingRotations());
    assertEquals(numbers(0, written), allLines(file)); // also: no rotated file left uncompressed
  }

  @Test
  void aCompressionInterruptedByACrashIsCompletedOnTheNextStart() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    // Generations 1 and 2 were being shifted (2 already moved to 3) for rotating.5 when the process
    // died, leaving a half-written archive; rotating.9 came later; the unnumbered one is older than both.
    gzipLines(file.resolveSibling("audit.jsonl.3.gz"), 0, 2);
    gzipLines(file.resolveSibling("audit.jsonl.1.gz"), 2, 4);
    Files.writeString(file.resolveSibling("audit.jsonl.1.gz.tmp"), "half an archive");
    writeLines(file.resolveSibling("audit.jsonl.rotating"), 4, 6);
    writeLines(file.resolveSibling("audit.jsonl.rotating.5"), 6, 8);
    writeLines(file.resolveSibling("audit.jsonl.rotating.9"), 8, 10);
    writeLines(file, 10, 11);

    JsonlFileSink sink = new JsonlFileSink(file, 1024);
    int written = 11;
    for (; written < 20; written++) {
      sink.write(List.of(line(written, 300))); // rotates again: must not reuse a pending name
    }
    sink.close();
    assertEquals(numbers(0, written), allLines(file));
  }

  @Test
  void aCrashAfterStoringTheArchiveButBeforeDeletingItsSourceStoresItOnce() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    gzipLines(file.resolveSibling("audit.jsonl.2.gz"), 0, 2);
    writeLines(file.resolveSibling("audit.jsonl.rotating.3"), 2, 4);
    // Generation 1 already holds rotating.3: the archive was moved into place, then the process died.
    gzip(file.resolveSibling("audit.jsonl.rotating.3"), file.resolveSibling("audit.jsonl.1.gz"));
    new JsonlFileSink(file, 1024).close();
    assertEquals(numbers(0, 4), allLines(file));
    assertEquals(2, generations(file).size());
  }

  @Test
  void byDefaultEveryGenerationIsKept() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    // The default retention, with a bound on pending rotations no run reaches, so the count is exact.
    JsonlFileSink sink = new JsonlFileSink(file, 1024, RotatedFiles.KEEP_ALL, 1000);
    int written = 0;
    for (; written < 100; written++) {
      sink.write(List.of(line(written, 400)));
    }
    sink.close();
    assertEquals(numbers(0, written), allLines(file), "nothing deleted, from the very first line");
    assertEquals(49, generations(file).size());
    assertEquals(0, sink.deletedGenerations());
  }

  @Test
  void withMaxFilesEachDeletedGenerationIsCountedAndNamedInTheLog() throws IOException {
    Logger logger = (Logger) LoggerFactory.getLogger(RotatedFiles.class);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
    try {
      Path file = dir.resolve("audit.jsonl");
      JsonlFileSink sink = new JsonlFileSink(file, 1024, 3, 1000); // no rotation deferred: the count is exact
      int written = 0;
      for (; written < 40; written++) {
        sink.write(List.of(line(written, 400))); // two lines a file
      }
      sink.close();

      List<String> kept = allLines(file);
      assertEquals(numbers(written - kept.size(), written), kept, "the newest lines, without a gap");
      assertEquals(3, generations(file).size());
      assertEquals(19 - 3, sink.deletedGenerations(), "19 rotations, 3 generations kept");
      List<ILoggingEvent> deletions = log.list.stream()
          .filter(e -> e.getFormattedMessage().contains("deleted the generation")).collect(Collectors.toList());
      assertEquals(sink.deletedGenerations(), deletions.size());
      for (ILoggingEvent e : deletions) {
        assertEquals(Level.WARN, e.getLevel());
        // The generations past the third, however many one compressor pass found.
        assertTrue(e.getFormattedMessage().matches(".*deleted the generation " + Pattern.quote(dir.toString())
            + "/audit\\.jsonl\\.([4-9]|\\d\\d+)\\.gz \\(last written .*, \\d+ bytes compressed\\)"), e.getFormattedMessage());
        assertTrue(e.getFormattedMessage().contains("max_files: 3"), e.getFormattedMessage());
      }
    } finally {
      logger.detachAppender(log);
    }
  }

  private static byte[] noisyLine(int n, int length, Random random) {
    String head = "{\"n\":" + n + ",\"pad\":\"";
    StringBuilder s = new StringBuilder(length).append(head);
    while (s.length() < length - 3) {
      s.append(Character.forDigit(random.nextInt(16), 16));
    }
    return s.append("\"}\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** As the sink's compressor does it: streamed, and synced before it counts as stored. */
  private static void gzip(Path from, Path to) throws IOException {
    try (InputStream in = Files.newInputStream(from);
        FileOutputStream file = new FileOutputStream(to.toFile());
        GZIPOutputStream gzip = new GZIPOutputStream(file, 64 * 1024)) {
      in.transferTo(gzip);
      gzip.finish();
      file.getFD().sync();
    }
  }

  private static void gzipLines(Path gz, int from, int to) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      for (int n = from; n < to; n++) {
        out.write(line(n, 300));
      }
    }
  }

  private static void writeLines(Path file, int from, int to) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int n = from; n < to; n++) {
        out.write(line(n, 300));
      }
    }
  }

  private static List<Path> pending(Path file) throws IOException {
    try (Stream<Path> all = Files.list(file.getParent())) {
      return all.filter(p -> p.getFileName().toString().startsWith(file.getFileName() + ".rotating"))
          .sorted().collect(Collectors.toList());
    }
  }

  private static List<String> names(List<Path> paths) {
    return paths.stream().map(p -> p.getFileName().toString()).collect(Collectors.toList());
  }

  private static List<String> ns(List<String> lines) {
    return lines.stream().map(l -> l.substring(5, l.indexOf(','))).collect(Collectors.toList());
  }

  private static List<String> numbers(int from, int to) {
    List<String> ns = new ArrayList<>();
    for (int n = from; n < to; n++) {
      ns.add(String.valueOf(n));
    }
    return ns;
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
      Thread.sleep(10);
    }
  }
}
