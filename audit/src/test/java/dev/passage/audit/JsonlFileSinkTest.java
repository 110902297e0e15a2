package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlFileSinkTest {

  @TempDir Path dir;

  @Test
  void rotationGzipsOldFilesAndLosesNoLine() throws IOException {
    Path file = dir.resolve("logs/audit.jsonl");
    // No rotation deferred for a lagging compressor, so every file keeps to the limit.
    JsonlFileSink sink = new JsonlFileSink(file, 1024, 100, 1000);
    int written = 0;
    for (int batch = 0; batch < 30; batch++) {
      List<byte[]> lines = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        lines.add(line(written++, 90));
      }
      sink.write(lines);
    }
    sink.close();

    List<Path> generations = generations(file);
    assertTrue(generations.size() > 10, "expected many rotations, got " + generations);
    assertEquals(written, allLines(file).size());
    assertEquals(expectedSequence(0, written), allLines(file));
    for (Path gz : generations) {
      assertTrue(gunzip(gz).stream().mapToInt(l -> l.length() + 1).sum() <= 1024, gz + " exceeds the limit");
    }
  }

  @Test
  void rotationGzipsOldFilesAndKeepsAtMostMaxFiles() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    JsonlFileSink sink = new JsonlFileSink(file, 1024, 3);
    int written = 0;
    for (int batch = 0; batch < 40; batch++) {
      sink.write(List.of(line(written++, 200), line(written++, 200)));
    }
    sink.close();

    List<Path> generations = generations(file);
    assertEquals(List.of("audit.jsonl.1.gz", "audit.jsonl.2.gz", "audit.jsonl.3.gz"),
        generations.stream().map(p -> p.getFileName().toString()).collect(Collectors.toList()));
    List<String> kept = allLines(file);
    // The newest lines survive, in order and without a gap; only the oldest were dropped.
    int first = written - kept.size();
    assertEquals(expectedSequence(first, written), kept);
    assertTrue(first > 0);
  }

  @Test
  void aLineLargerThanTheFileLimitIsWrittenWholeToAFreshFile() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    JsonlFileSink sink = new JsonlFileSink(file, 1024, 5);
    sink.write(List.of(line(0, 100)));
    sink.write(List.of(line(1, JsonlFileSink.BUFFER_BYTES * 2), line(2, 100)));
    sink.close();

    assertEquals(expectedSequence(0, 3), allLines(file));
    assertEquals(1, gunzip(file.resolveSibling("audit.jsonl.2.gz")).size());
    assertEquals(JsonlFileSink.BUFFER_BYTES * 2, gunzip(file.resolveSibling("audit.jsonl.1.gz")).get(0).length() + 1);
    assertEquals(1, Files.readAllLines(file).size());
  }

  @Test
  void linesReachTheFileOnFlushNotBefore() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    JsonlFileSink sink = new JsonlFileSink(file, 1 << 20, 1);
    sink.write(List.of(line(0, 50), line(1, 50)));
    assertEquals(0, Files.size(file), "buffered lines are not in the file yet");
    sink.flush();
    assertEquals(List.of(lineText(0, 50), lineText(1, 50)), Files.readAllLines(file));
    sink.close();
  }

  @Test
  void reopeningAppendsToTheExistingFile() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    JsonlFileSink first = new JsonlFileSink(file, 1 << 20, 1);
    first.write(List.of(line(0, 50)));
    first.close();
    JsonlFileSink second = new JsonlFileSink(file, 1 << 20, 1);
    second.write(List.of(line(1, 50)));
    second.close();
    assertEquals(List.of(lineText(0, 50), lineText(1, 50)), Files.readAllLines(file));
  }

  @Test
  void aRotationLeftHalfDoneIsCompletedOnOpen() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    Files.writeString(file.resolveSibling("audit.jsonl.rotating"), lineText(0, 50) + "\n");
    try (GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(file.resolveSibling("audit.jsonl.1.gz")))) {
      gz.write(line(-1, 50));
    }
    new JsonlFileSink(file, 1024, 5).close();
    assertFalse(Files.exists(file.resolveSibling("audit.jsonl.rotating")), "compressed in the background, done by close()");
    assertEquals(List.of(lineText(0, 50)), gunzip(file.resolveSibling("audit.jsonl.1.gz")));
    assertEquals(List.of(lineText(-1, 50)), gunzip(file.resolveSibling("audit.jsonl.2.gz")));
  }

  @Test
  void aFailedCompressionIsRetriedInTheBackgroundWithoutLosingOrRepeatingALine() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    JsonlFileSink sink = new JsonlFileSink(file, 1024, 5);
    // A directory where the compressed file must be written makes compression fail, even as root.
    Path blocker = Files.createDirectory(dir.resolve("audit.jsonl.1.gz.tmp"));
    List<byte[]> batch = List.of(line(0, 400), line(1, 400), line(2, 400), line(3, 400), line(4, 400));
    sink.write(batch); // rotations do not wait for compression, so its failure does not reach the writer
    sink.flush();
    assertTrue(Files.exists(dir.resolve("audit.jsonl.rotating.1")), "the full file waits to be compressed");
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (sink.compressionErrors() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(sink.compressionErrors() >= 2, "retried: " + sink.compressionErrors());
    Files.delete(blocker);
    sink.close();
    assertEquals(expectedSequence(0, 5), allLines(file));
  }

  @Test
  void limitsAreCheckedAtConstruction() {
    Path file = dir.resolve("audit.jsonl");
    assertThrows(IllegalArgumentException.class, () -> new JsonlFileSink(file, 1023, 1));
    assertThrows(IllegalArgumentException.class, () -> new JsonlFileSink(file, 1024, 0));
    assertThrows(IllegalArgumentException.class, () -> new JsonlFileSink(file, 1024, 1, 0));
  }

  @Test
  void writingAfterCloseFailsLoudly() throws IOException {
    JsonlFileSink sink = new JsonlFileSink(dir.resolve("audit.jsonl"), 1024, 1);
    sink.close();
    sink.close();
    IOException e = assertThrows(IOException.class, () -> sink.write(List.of(line(0, 50))));
    assertTrue(e.getMessage().contains("audit.jsonl"), e.getMessage());
  }

  /** A JSONL line of exactly {@code length} bytes including its newline. */
  static byte[] line(int n, int length) {
    return (lineText(n, length) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  static String lineText(int n, int length) {
    String head = "{\"n\":" + n + ",\"pad\":\"";
    return head + "x".repeat(length - head.length() - 3) + "\"}";
  }

  private static List<String> expectedSequence(int from, int to) {
    List<String> ns = new ArrayList<>();
    for (int n = from; n < to; n++) {
      ns.add(String.valueOf(n));
    }
    return ns;
  }

  /** The {@code n} of every line across all generations (oldest first) and the active file. */
  static List<String> allLines(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    List<Path> generations = generations(file);
    for (int i = generations.size() - 1; i >= 0; i--) {
      lines.addAll(gunzip(generations.get(i)));
    }
    lines.addAll(Files.readAllLines(file));
    return lines.stream().map(l -> l.substring(5, l.indexOf(','))).collect(Collectors.toList());
  }

  static List<Path> generations(Path file) throws IOException {
    List<Path> found = new ArrayList<>();
    for (int n = 1; ; n++) {
      Path gz = file.resolveSibling(file.getFileName() + "." + n + ".gz");
      if (!Files.exists(gz)) {
        break;
      }
      found.add(gz);
    }
    try (Stream<Path> all = Files.list(file.getParent())) {
      assertEquals(found.size() + 1, all.filter(p -> p.getFileName().toString().startsWith(file.getFileName().toString())).count(),
          "no stray or non-contiguous files next to " + file);
    }
    return found;
  }

  static List<String> gunzip(Path gz) throws IOException {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8))) {
      return r.lines().collect(Collectors.toList());
    }
  }
}
