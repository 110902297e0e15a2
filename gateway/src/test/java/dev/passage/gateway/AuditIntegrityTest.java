package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.gateway.cli.PassageCommand;
import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import dev.passage.gateway.support.TrailCopy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A trail written through the gateway (real upstream on loopback, several rotations, a restart),
 * then tampered with in copies: {@code passage audit verify} passes the original and names the
 * first bad record of each copy, and an independent Python verifier (test resources) agrees.
 */
class AuditIntegrityTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Path PYTHON_VERIFIER = Path.of("src", "test", "resources", "verify_chain.py");

  @TempDir Path dir;

  /** A gateway with a spool and a file sink rotating every ~8 KiB. */
  static RunningGateway gateway(Path dir, TestUpstream up, String extraAudit) throws Exception {
    return gateway(dir, up, "{ listen: 127.0.0.1:0 }", extraAudit);
  }

  /** As above, with {@code admin} as the admin section's value (a flow mapping). */
  static RunningGateway gateway(Path dir, TestUpstream up, String admin, String extraAudit) throws Exception {
    return RunningGateway.start("listen: 127.0.0.1:0\nadmin: " + admin + "\n" + """
        routes:
          - name: r
            match: { path_prefix: / }
            upstream: { targets: ["http://127.0.0.1:${PORT}"] }
        audit:
          flush_interval: 50ms
          spool: { dir: "${SPOOL}" }
          sinks: [{ type: file, path: "${AUDIT}", max_file_bytes: 8192 }]
        """ + extraAudit, Map.of("PORT", String.valueOf(up.port()), "SPOOL", dir.resolve("spool").toString(),
        "AUDIT", dir.resolve("logs").resolve("audit.jsonl").toString()));
  }

  /** {@code n} exchanges with bodies, statuses and headers worth tampering with. */
  static void traffic(RunningGateway gw, int from, int n) throws Exception {
    for (int i = from; i < from + n; i++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url("/echo?i=" + i))).timeout(Duration.ofSeconds(20))
          .header("X-Request-Id", "req-" + i).header("Content-Type", "application/json");
      HttpResponse<String> r = gw.client.send(i % 2 == 0
          ? b.POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"user" + i + "\",\"n\":" + i + "}")).build()
          : b.GET().build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
    }
  }

  @Test
  void verifyNamesTheFirstBadRecordOfEachTamperingAndPythonAgrees() throws Exception {
    try (TestUpstream up = TestUpstream.start("a")) {
      try (RunningGateway gw = gateway(dir, up, "")) {
        traffic(gw, 0, 30);
      }
      try (RunningGateway gw = gateway(dir, up, "")) { // a restart: the chain goes on from the spool's cursor
        traffic(gw, 30, 30);
      }
    }
    TrailCopy original = TrailCopy.read(dir.resolve("logs"), "audit.jsonl");
    assertTrue(original.files.size() >= 5, "several rotations: " + original.names());
    List<String> all = new ArrayList<>();
    original.files.values().forEach(all::addAll);
    assertEquals(60, all.size());
    String stream = JSON.readTree(all.get(0)).at("/chain/stream").asText();
    for (int i = 0; i < all.size(); i++) {
      JsonNode r = JSON.readTree(all.get(i));
      assertEquals(i + 1, r.at("/chain/seq").asLong(), "one stream, seq 1..60 across files and the restart");
      assertEquals(stream, r.at("/chain/stream").asText());
    }

    Verdict intact = verify(original.writeTo(dir.resolve("original")));
    assertEquals(0, intact.exit, intact.output);
    assertTrue(intact.output.startsWith("intact: 60 records in 1 stream(s)"), intact.output);
    assertEquals(0, python(original.writeTo(dir.resolve("original-py"))).exit);

    int mid = 2; // a compressed generation in the middle of the trail
    int active = original.files.size() - 1;
    expect(original, "body", t -> edit(t, mid, 2, "\\\"upstream\\\":\\\"a\\\"", "\\\"upstream\\\":\\\"b\\\""),
        "edited", mid, 2, original.seq(mid, 2));
    expect(original, "status", t -> edit(t, active, 1, "\"status\":200", "\"status\":201"),
        "edited", active, 1, original.seq(active, 1));
    expect(original, "header", t -> edit(t, mid, 1, "\"x-request-id\":\"req-", "\"x-request-id\":\"rex-"),
        "edited", mid, 1, original.seq(mid, 1));
    expect(original, "deleted-line", t -> t.lines(mid).remove(1),
        "deleted", mid, 2, original.seq(mid, 2));
    expect(original, "inserted-line", t -> t.lines(mid).add(1, t.lines(mid).get(0).replace("\"status\":200", "\"status\":500")),
        "inserted", mid, 2, original.seq(mid, 2));
    expect(original, "swapped-lines", t -> {
      List<String> l = t.lines(mid);
      l.add(1, l.remove(2));
    }, "reordered", mid, 2, original.seq(mid, 3));
    String deletedFile = original.names().get(1);
    expect(original, "deleted-file", t -> t.files.remove(deletedFile),
        "deleted", 2, 1, original.seq(1, 1));
  }

  @Test
  void thePythonVerifierReadsALargeTrailLineByLineInLessMemoryThanTheFile() throws Exception {
    // 150,000 chained records of ~700 bytes (more seqs than the replay window verify keeps): ~100 MiB.
    Path file = dir.resolve("large.jsonl");
    java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
    String pad = "x".repeat(560);
    String prev = "0".repeat(64);
    int records = 150_000;
    try (java.io.BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
      for (int seq = 1; seq <= records; seq++) {
        String canonical = "{\"id\":\"r" + seq + "\",\"pad\":\"" + pad + "\",\"instance\":\"i-1\",\"chain\":{\"stream\":\"s-1\","
            + "\"seq\":" + seq + ",\"prev\":\"" + prev + "\"}}";
        prev = java.util.HexFormat.of().formatHex(sha256.digest(canonical.getBytes(StandardCharsets.US_ASCII)));
        w.write(canonical, 0, canonical.length() - 1);
        w.write(",\"hash\":\"" + prev + "\"}\n");
      }
    }
    long fileBytes = Files.size(file);
    assertTrue(fileBytes > 100_000_000L, "file of " + fileBytes + " bytes");
    Verdict java = verify(List.of(file));
    assertTrue(java.output.startsWith("intact: " + records + " records in 1 stream(s)"), java.output);

    // The child's peak resident set, as its parent sees it once it ended.
    Process p = new ProcessBuilder("python3", "-c", "import resource, subprocess, sys\n"
        + "r = subprocess.run(sys.argv[1:])\n"
        + "print('maxrss_kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        + "sys.exit(r.returncode)", "python3", PYTHON_VERIFIER.toString(), file.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python verifier finished");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.startsWith("intact " + records + "\n"), out);
    long rssBytes = Long.parseLong(out.substring(out.indexOf("maxrss_kib ") + 11).strip()) * 1024;
    // Loading the file whole took several times its size; streaming holds the window's hashes (~30 MB).
    assertTrue(rssBytes < 96L * 1024 * 1024, "python peak RSS " + rssBytes / 1024 / 1024 + " MiB for a "
        + fileBytes / 1024 / 1024 + " MiB trail");
  }

  interface Tamper {
    void apply(TrailCopy t) throws Exception;
  }

  static void edit(TrailCopy t, int file, int line, String from, String to) {
    String before = t.lines(file).get(line - 1);
    String after = before.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to));
    assertTrue(!before.equals(after), "the edit must change line " + line + " of " + t.names().get(file) + ": " + before);
    t.lines(file).set(line - 1, after);
  }

  /** Tampers with a copy; Java's verify and Python's both name {@code what} at file {@code file} (of the original) line {@code line}. */
  void expect(TrailCopy original, String name, Tamper tamper, String what, int file, int line, long seq) throws Exception {
    TrailCopy t = original.copy();
    tamper.apply(t);
    expectVerdict(dir, t, name, List.of(), what, original.names().get(file), line, seq);
  }

  /** Writes {@code t} twice (for Java and for Python); both must name {@code what} at {@code fileName}:{@code line}, {@code seq}. */
  static void expectVerdict(Path dir, TrailCopy t, String name, List<String> args, String what, String fileName,
      long line, long seq) throws Exception {
    Verdict java = verify(t.writeTo(dir.resolve(name)), args.toArray(String[]::new));
    assertEquals(1, java.exit, name + ": " + java.output);
    String where = " " + dir.resolve(name).resolve(fileName) + ":" + line + " ";
    assertTrue(java.output.startsWith("TAMPERED " + what.replace(' ', '_') + where),
        name + ": expected " + what + where + "got " + java.output);
    assertTrue(java.output.contains(" seq=" + seq + ":"), name + ": expected seq " + seq + ", got " + java.output);
    Verdict py = python(t.writeTo(dir.resolve(name + "-py")), args.toArray(String[]::new));
    assertEquals(1, py.exit, name + " (python): " + py.output);
    assertEquals("TAMPERED " + what.replace(' ', '_') + " " + dir.resolve(name + "-py").resolve(fileName) + ":" + line
        + " seq=" + seq, py.output.strip(), name + " (python)");
  }

  record Verdict(int exit, String output) {}

  /** {@code passage audit verify FILE... [args]} through the command line parser, files in directory order. */
  static Verdict verify(List<Path> files, String... args) {
    List<String> argv = new ArrayList<>(List.of("audit", "verify"));
    files.forEach(f -> argv.add(f.toString()));
    argv.addAll(List.of(args));
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      int code = new CommandLine(new PassageCommand()).execute(argv.toArray(String[]::new));
      return new Verdict(code, out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(old);
    }
  }

  static Verdict python(List<Path> files, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("python3", PYTHON_VERIFIER.toString()));
    files.forEach(f -> argv.add(f.toString()));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python verifier finished");
    return new Verdict(p.exitValue(), out);
  }
}
