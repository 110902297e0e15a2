package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditTailTest {

  @TempDir Path dir;

  @Test
  void tailFiltersByRouteAndStatusClass() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    append(file, Records.of("a", "users", 503, Outcome.UPSTREAM_ERROR));
    append(file, Records.of("b", "users", 200, Outcome.OK));
    append(file, Records.of("c", "orders", 500, Outcome.OK));
    Files.writeString(file, "this is not a record\n", StandardOpenOption.APPEND);
    append(file, Records.of("d", "users", 504, Outcome.TIMEOUT));
    append(file, Records.minimal("e"));

    Output out = new Output();
    assertEquals(0, AuditTail.run(file, "users", "5xx", false, out.stream));
    List<String> lines = out.lines();
    assertEquals(3, lines.size(), String.join("\n", lines));
    assertTrue(lines.get(0).contains(" a users GET /users/a -> 503 upstream_error 42ms"), lines.get(0));
    assertEquals("! line 4: unparseable record (not JSON: Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false'))",
        lines.get(1));
    assertTrue(lines.get(2).contains(" d users GET /users/d -> 504 timeout "), lines.get(2));
  }

  @Test
  void anExactStatusMatchesOnlyThatCodeAndNoFilterMatchesAll() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    append(file, Records.of("a", "users", 404, Outcome.OK));
    append(file, Records.of("b", "users", 400, Outcome.OK));
    append(file, Records.minimal("c"));
    Output exact = new Output();
    assertEquals(0, AuditTail.run(file, null, "404", false, exact.stream));
    assertEquals(1, exact.lines().size());
    Output all = new Output();
    assertEquals(0, AuditTail.run(file, null, null, false, all.stream));
    assertEquals(3, all.lines().size());
    assertTrue(all.lines().get(2).contains(" c - GET / -> --- client_abort 0ms in=- out=- error=\"client closed the connection\""),
        all.lines().get(2));
  }

  @Test
  void lineShowsBytesAndTruncationMarkers() {
    String line = AuditTail.format(Records.full("r-1"));
    assertEquals("2026-03-01T12:34:56.789Z r-1 users POST /users?page=2 -> 201 ok 42ms in=17B out=4000B[truncated]", line);
  }

  @Test
  void controlCharactersFromARequestAreEscapedNotSentToTheTerminal() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    AuditRecord m = Records.minimal("evil");
    append(file, new AuditRecord(m.id(), m.ts(), m.durationMs(), "users\u009b31m", m.clientIp(), "GET",
        "/x\u001b[2J\u0007y\u007f\u202e", m.requestHeaders(), m.requestBody(), m.responseStatus(), m.responseHeaders(),
        m.responseBody(), m.upstreamTarget(), m.upstreamTtfbMs(), m.outcome(), "upstream said \u001b]0;owned\u0007\n"));
    Output out = new Output();
    assertEquals(0, AuditTail.run(file, null, null, false, out.stream));
    String text = out.text();
    assertEquals(1, out.lines().size(), text);
    assertTrue(text.contains(" users\\u009b31m GET /x\\x1b[2J\\x07y\\x7f\\u202e -> "), text);
    assertTrue(text.contains(" error=\"upstream said \\x1b]0;owned\\x07\\x0a\"\n"), text);
    for (char c : text.toCharArray()) {
      assertFalse(c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f, "raw control character " + (int) c + " in " + text);
    }
  }

  @Test
  void rotatedCompressedGenerationsCanBeRead() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    JsonlFileSink sink = new JsonlFileSink(file, 1024, 3);
    sink.write(List.of(AuditRecordJson.toLine(Records.of("old", "users", 200, Outcome.OK))));
    sink.write(List.of(AuditRecordJson.toLine(Records.of("new", "users", 200, Outcome.OK))));
    sink.close();
    Output out = new Output();
    assertEquals(0, AuditTail.run(dir.resolve("audit.jsonl.1.gz"), null, null, false, out.stream));
    assertEquals(1, out.lines().size());
    assertTrue(out.lines().get(0).contains(" old users "));
  }

  @Test
  void badArgumentsAndMissingFilesGiveDistinctExitCodes() {
    Output out = new Output();
    assertEquals(AuditTail.EXIT_USAGE, AuditTail.run(dir.resolve("a.jsonl"), null, "50x", false, out.stream));
    assertTrue(out.text().contains("expected a class such as 5xx"), out.text());
    assertEquals(AuditTail.EXIT_UNREADABLE, AuditTail.run(dir.resolve("missing.jsonl"), null, null, false, out.stream));
    assertTrue(out.text().contains("no such file"), out.text());
  }

  @Test
  void followPrintsAppendedRecordsAcrossRotationUntilInterrupted() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    Output out = new Output();
    AtomicInteger exit = new AtomicInteger(-1);
    // The sink creates the file first: a tail that ran before it existed would exit "no such file".
    JsonlFileSink sink = new JsonlFileSink(file, 2048, 10); // lines are 814 bytes: two per file
    Thread tail = new Thread(() -> exit.set(AuditTail.run(file, "users", null, true, out.stream)), "tail");
    tail.start();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String id = "f" + i;
      ids.add(id);
      sink.write(List.of(AuditRecordJson.toLine(Records.of(id, "users", 200, Outcome.OK))));
      sink.write(List.of(AuditRecordJson.toLine(Records.of("x" + i, "other", 200, Outcome.OK))));
      sink.flush();
      // Two records fit in a file, so each round rotates once; waiting for the tail keeps it at most
      // one rotation behind, as a file rotated twice between polls is gone before it could be opened.
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (out.lines().size() < ids.size() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    }
    tail.interrupt();
    tail.join(5_000);
    sink.close();
    assertFalse(tail.isAlive());
    assertEquals(0, exit.get());
    assertEquals(ids, out.lines().stream().map(l -> l.split(" ")[1]).collect(Collectors.toList()));
    assertEquals(5, JsonlFileSinkTest.generations(file).size(), "the file rotated while followed");
  }

  @Test
  void chainFieldsAndCheckpointsAreHiddenUnlessAsked() throws Exception {
    Path file = dir.resolve("chained.jsonl");
    RecordChain chain = new RecordChain("gw-1", new ChainHead("stream-1", 0, ChainHead.GENESIS));
    Files.write(file, chain.link(AuditRecordJson.toLine(Records.of("a", "users", 200, Outcome.OK))),
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    java.security.KeyPair pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Files.write(file, Checkpoint.line(chain.head(), "2026-03-01T12:00:00.000Z", "0123456789abcdef", pair.getPrivate()),
        StandardOpenOption.APPEND);

    Output plain = new Output();
    assertEquals(0, AuditTail.run(file, null, null, false, plain.stream));
    assertEquals(1, plain.lines().size(), plain.text());
    assertFalse(plain.text().contains("chain") || plain.text().contains("checkpoint"), plain.text());

    Output shown = new Output();
    assertEquals(0, AuditTail.run(file, null, null, false, true, shown.stream));
    List<String> lines = shown.lines();
    assertEquals(2, lines.size(), shown.text());
    assertTrue(lines.get(0).endsWith(" chain=stream-1#1"), lines.get(0));
    assertEquals("2026-03-01T12:00:00.000Z checkpoint chain=stream-1#1 key_id=0123456789abcdef", lines.get(1));
  }

  private static void append(Path file, AuditRecord r) throws IOException {
    Files.write(file, AuditRecordJson.toLine(r), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static final class Output {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    synchronized String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }

    List<String> lines() {
      String t = text();
      return t.isEmpty() ? List.of() : Arrays.asList(t.split("\n"));
    }
  }
}
