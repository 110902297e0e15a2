package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash while the file sink drains its buffer leaves the file ending inside a line. The sink ends
 * that fragment with a newline before appending, and verify tells the fragment, followed by the
 * replay that repeats it whole, from tampering.
 */
class TornWriteTest {

  @TempDir Path dir;

  private static List<byte[]> chain(int n) {
    RecordChain chain = new RecordChain("gw-1", new ChainHead("s-1", 0, ChainHead.GENESIS));
    List<byte[]> lines = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      lines.add(chain.link(AuditRecordJson.toLine(Records.of("r" + i, "orders", 200, Outcome.OK))));
    }
    return lines;
  }

  private String verify(Path file, int expectedExit) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = AuditVerify.run(List.of(file), null, null, new PrintStream(out, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(expectedExit, exit, text);
    return text;
  }

  @Test
  void theSinkEndsAFragmentLeftByACrashSoTheNextLineStaysWhole() throws Exception {
    List<byte[]> lines = chain(7);
    Path file = dir.resolve("audit.jsonl");
    for (int i = 0; i < 5; i++) {
      Files.write(file, lines.get(i), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
    Files.write(file, Arrays.copyOf(lines.get(5), 40), java.nio.file.StandardOpenOption.APPEND); // torn seq 6
    JsonlFileSink sink = new JsonlFileSink(file, 1 << 20);
    sink.write(List.of(lines.get(5), lines.get(6))); // the replay from the unacknowledged seq 6
    sink.close();
    List<String> written = Files.readAllLines(file);
    assertEquals(8, written.size());
    assertEquals(new String(lines.get(5), 0, 40, StandardCharsets.UTF_8), written.get(5));
    assertTrue(verify(file, 0).contains("1 torn writes"));
  }

  @Test
  void aFragmentFollowedByAReplayFromFurtherBackIsATornWriteButAGarbageLineIsNot() throws Exception {
    List<byte[]> lines = chain(7);
    Path file = dir.resolve("replay.jsonl");
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    for (int i = 0; i < 5; i++) {
      text.writeBytes(lines.get(i));
    }
    text.writeBytes(Arrays.copyOf(lines.get(5), 100));
    text.write('\n');
    for (int i = 3; i < 7; i++) { // the cursor was at seq 3: seq 4..7 again
      text.writeBytes(lines.get(i));
    }
    Files.write(file, text.toByteArray());
    String ok = verify(file, 0);
    assertTrue(ok.contains("7 records") || ok.contains("9 records"), ok);
    assertTrue(ok.contains("2 replayed duplicates, 1 torn writes"), ok);

    Path garbage = dir.resolve("garbage.jsonl");
    ByteArrayOutputStream g = new ByteArrayOutputStream();
    for (int i = 0; i < 5; i++) {
      g.writeBytes(lines.get(i));
    }
    g.writeBytes("{\"id\":\"forged\"}\n".getBytes(StandardCharsets.UTF_8));
    g.writeBytes(lines.get(6)); // seq 6 is gone: no replay repairs it
    Files.write(garbage, g.toByteArray());
    assertTrue(verify(garbage, 1).startsWith("TAMPERED edited " + garbage + ":6 stream=s-1 seq=6"));
  }
}
