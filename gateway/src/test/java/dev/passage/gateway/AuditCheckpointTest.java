package dev.passage.gateway;

import static dev.passage.gateway.AuditIntegrityTest.JSON;
import static dev.passage.gateway.AuditIntegrityTest.expectVerdict;
import static dev.passage.gateway.AuditIntegrityTest.python;
import static dev.passage.gateway.AuditIntegrityTest.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.passage.gateway.AuditIntegrityTest.Verdict;
import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import dev.passage.gateway.support.TrailCopy;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed checkpoints ({@code audit.integrity}) through the gateway: written every N records and at a
 * graceful stop, appended to the anchor, verified with the public key; they catch what the chain
 * alone cannot (a cut tail, a chain re-hashed after an edit) and a forged or foreign signature.
 */
class AuditCheckpointTest {

  private static final String CHECKPOINT = "{\"type\":\"checkpoint\"";

  @TempDir Path dir;

  String integrity(Path key, int every, String interval) {
    return "  integrity: { signing_key: \"" + key + "\", checkpoint_every: " + every + ", checkpoint_interval: "
        + interval + ", anchor: { path: \"" + dir.resolve("anchor").resolve("anchor.jsonl") + "\" } }\n";
  }

  @Test
  void checkpointsAreSignedAnchoredAndCatchACutTailAReHashedChainAndForgedSignatures() throws Exception {
    Path keys = dir.resolve("keys");
    Files.createDirectories(keys);
    assertEquals(0, verifyCli("audit", "keygen", "--out", keys.resolve("passage").toString()).exit());
    assertEquals(0, verifyCli("audit", "keygen", "--out", keys.resolve("other").toString()).exit());
    String extra = integrity(keys.resolve("passage.key"), 10, "60s");
    try (TestUpstream up = TestUpstream.start("a")) {
      try (RunningGateway gw = AuditIntegrityTest.gateway(dir, up, extra)) {
        AuditIntegrityTest.traffic(gw, 0, 25);
      }
      try (RunningGateway gw = AuditIntegrityTest.gateway(dir, up, extra)) {
        AuditIntegrityTest.traffic(gw, 25, 18);
      }
    }
    TrailCopy original = TrailCopy.read(dir.resolve("logs"), "audit.jsonl");
    List<int[]> checkpoints = new ArrayList<>(); // {file, line}
    List<String> checkpointLines = new ArrayList<>();
    long records = 0;
    for (int f = 0; f < original.files.size(); f++) {
      List<String> lines = original.lines(f);
      for (int l = 0; l < lines.size(); l++) {
        if (lines.get(l).startsWith(CHECKPOINT)) {
          checkpoints.add(new int[] {f, l + 1});
          checkpointLines.add(lines.get(l));
        } else {
          records++;
        }
      }
    }
    assertEquals(43, records);
    // Every 10 records, and at each graceful stop: 10, 20, 25 (stop), 35, 43 (stop).
    assertEquals(List.of(10L, 20L, 25L, 35L, 43L), checkpointLines.stream()
        .map(l -> read(l).get("seq").asLong()).toList(), "checkpoint seqs");
    JsonNode last = read(checkpointLines.get(4));
    assertEquals(16, last.get("key_id").asText().length());
    List<String> anchor = Files.readAllLines(dir.resolve("anchor").resolve("anchor.jsonl"));
    assertEquals(checkpointLines, anchor, "the anchor holds every checkpoint the sink stored");

    Path pub = keys.resolve("passage.pub");
    Path anchorFile = dir.resolve("anchor").resolve("anchor.jsonl");
    List<String> withKeyAndAnchor = List.of("--public-key", pub.toString(), "--anchor", anchorFile.toString());
    Verdict intact = verify(original.writeTo(dir.resolve("original")), withKeyAndAnchor.toArray(String[]::new));
    assertEquals(0, intact.exit(), intact.output());
    assertTrue(intact.output().contains("5 checkpoints (signatures verified), anchor matched"), intact.output());
    assertEquals(0, python(original.writeTo(dir.resolve("original-py")), withKeyAndAnchor.toArray(String[]::new)).exit());

    // A tail cut right after the second-to-last checkpoint is a valid prefix: only the anchor shows it.
    int[] cutAt = checkpoints.get(3);
    TrailCopy cut = original.copy();
    List<String> names = cut.names();
    for (int f = names.size() - 1; f > cutAt[0]; f--) {
      cut.files.remove(names.get(f));
    }
    List<String> tail = cut.lines(cutAt[0]);
    tail.subList(cutAt[1], tail.size()).clear();
    assertEquals(0, verify(cut.writeTo(dir.resolve("cut-no-anchor")), "--public-key", pub.toString()).exit(),
        "without the anchor a cut tail looks like a shorter trail");
    expectVerdict(dir, cut, "cut", withKeyAndAnchor, "truncated", names.get(cutAt[0]), cutAt[1] + 1, 36);

    // A checkpoint carrying another checkpoint's signature.
    int[] third = checkpoints.get(2);
    TrailCopy forged = original.copy();
    String otherSig = read(checkpointLines.get(0)).get("sig").asText();
    forged.lines(third[0]).set(third[1] - 1, checkpointLines.get(2).replace(read(checkpointLines.get(2)).get("sig").asText(), otherSig));
    expectVerdict(dir, forged, "bad-signature", withKeyAndAnchor, "bad signature", names.get(third[0]), third[1], 25);

    // Checkpoints signed by a key the verifier was not given.
    int[] first = checkpoints.get(0);
    expectVerdict(dir, original.copy(), "unknown-key", List.of("--public-key", keys.resolve("other.pub").toString()),
        "unknown key", names.get(first[0]), first[1], 10);

    // seq 5 edited and every later record re-hashed: the chain links, the first checkpoint does not agree.
    TrailCopy rehashed = original.copy();
    rehash(rehashed, 5, "\"status\":200", "\"status\":404");
    expectVerdict(dir, rehashed, "rehashed", List.of("--public-key", pub.toString()), "edited", names.get(first[0]),
        first[1], 10);
  }

  @Test
  void aCheckpointIsWrittenAfterTheIntervalEvenWithFewRecords() throws Exception {
    Path keys = dir.resolve("keys");
    Files.createDirectories(keys);
    dev.passage.audit.Ed25519Keys.generate(keys.resolve("k"));
    try (TestUpstream up = TestUpstream.start("a");
        RunningGateway gw = AuditIntegrityTest.gateway(dir, up, integrity(keys.resolve("k.key"), 1_000_000, "300ms"))) {
      AuditIntegrityTest.traffic(gw, 0, 3);
      Path active = dir.resolve("logs").resolve("audit.jsonl");
      long deadline = System.currentTimeMillis() + 10_000;
      String found = null;
      while (found == null && System.currentTimeMillis() < deadline) {
        found = Files.readAllLines(active).stream().filter(l -> l.startsWith(CHECKPOINT)).findFirst().orElse(null);
        Thread.sleep(50);
      }
      assertTrue(found != null, "a time-based checkpoint within 10 s");
      assertEquals(3, read(found).get("seq").asLong());
    }
  }

  @Test
  void metricsShowTheChainHeadAndReadinessFailsWhileCheckpointsCannotBeAnchored() throws Exception {
    SpoolFullTest.assumeChattr();
    Path keys = dir.resolve("keys");
    Files.createDirectories(keys);
    dev.passage.audit.Ed25519Keys.generate(keys.resolve("k"));
    Path anchor = dir.resolve("anchor").resolve("anchor.jsonl");
    String extra = integrity(keys.resolve("k.key"), 1, "60s").replace(" } }\n", " }, checkpoint_failure_timeout: 300ms }\n");
    try (TestUpstream up = TestUpstream.start("a"); RunningGateway gw = AuditIntegrityTest.gateway(dir, up, extra)) {
      AuditIntegrityTest.traffic(gw, 0, 4);
      awaitBody(gw, "/metrics", "passage_audit_chain_head_seq{sink=", " 4.0");
      String metrics = admin(gw, "/metrics").body();
      assertTrue(metrics.contains("passage_audit_checkpoints_total 4.0"), metrics);
      assertTrue(metrics.contains("passage_audit_checkpoint_age_seconds "), metrics);
      assertEquals(200, SpoolFullTest.ready(gw).statusCode());
      SpoolFullTest.immutable(anchor, true);
      try {
        AuditIntegrityTest.traffic(gw, 4, 2);
        long deadline = System.currentTimeMillis() + 10_000;
        while (SpoolFullTest.ready(gw).statusCode() != 503 && System.currentTimeMillis() < deadline) {
          Thread.sleep(50);
        }
        HttpResponse<String> notReady = SpoolFullTest.ready(gw);
        assertEquals(503, notReady.statusCode(), notReady.body());
        assertTrue(notReady.body().contains("audit_checkpoints"), notReady.body());
        assertTrue(admin(gw, "/metrics").body().matches("(?s).*passage_audit_anchor_errors_total [1-9].*"));
      } finally {
        SpoolFullTest.immutable(anchor, false);
      }
      AuditIntegrityTest.traffic(gw, 6, 1); // the next flush retries the anchor
      long deadline = System.currentTimeMillis() + 10_000;
      while (SpoolFullTest.ready(gw).statusCode() != 200 && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(200, SpoolFullTest.ready(gw).statusCode(), SpoolFullTest.ready(gw).body());
    }
    List<String> anchored = Files.readAllLines(anchor);
    assertEquals(7, read(anchored.get(anchored.size() - 1)).get("seq").asLong(), "the anchor caught up after the failure");
  }

  static HttpResponse<String> admin(RunningGateway gw, String path) throws Exception {
    return gw.client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static void awaitBody(RunningGateway gw, String path, String prefix, String suffix) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    String body = "";
    while (System.currentTimeMillis() < deadline) {
      body = admin(gw, path).body();
      if (body.lines().anyMatch(l -> l.startsWith(prefix) && l.endsWith(suffix))) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no line " + prefix + "…" + suffix + " in " + path + ":\n" + body);
  }

  @Test
  void aKeyFromOpensslSignsCheckpointsTheVerifierAccepts() throws Exception {
    Path key = dir.resolve("openssl.key");
    Path pub = dir.resolve("openssl.pub");
    org.junit.jupiter.api.Assumptions.assumeTrue(run("openssl", "genpkey", "-algorithm", "ed25519", "-out", key.toString()) == 0,
        "openssl with ed25519");
    assertEquals(0, run("openssl", "pkey", "-in", key.toString(), "-pubout", "-out", pub.toString()));
    try (TestUpstream up = TestUpstream.start("a");
        RunningGateway gw = AuditIntegrityTest.gateway(dir, up, integrity(key, 2, "60s"))) {
      AuditIntegrityTest.traffic(gw, 0, 5);
    }
    TrailCopy trail = TrailCopy.read(dir.resolve("logs"), "audit.jsonl");
    Verdict v = verify(trail.writeTo(dir.resolve("copy")), "--public-key", pub.toString());
    assertEquals(0, v.exit(), v.output());
    assertTrue(v.output().contains("3 checkpoints (signatures verified)"), v.output());
  }

  private static int run(String... command) throws Exception {
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }

  private static JsonNode read(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError(line, e);
    }
  }

  /** Edits record {@code seq} and re-computes every later record's prev and hash, as an attacker without the key can. */
  static void rehash(TrailCopy t, long seq, String from, String to) throws Exception {
    String prev = null;
    for (List<String> lines : t.files.values()) {
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.startsWith(CHECKPOINT)) {
          continue;
        }
        long s = read(line).at("/chain/seq").asLong();
        if (s < seq) {
          continue;
        }
        int cut = line.lastIndexOf(",\"hash\":\"");
        String canonical = line.substring(0, cut) + "}";
        if (s == seq) {
          canonical = canonical.replace(from, to);
        } else {
          int p = canonical.lastIndexOf("\"prev\":\"") + "\"prev\":\"".length();
          canonical = canonical.substring(0, p) + prev + canonical.substring(p + 64);
        }
        prev = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        lines.set(i, canonical.substring(0, canonical.length() - 1) + ",\"hash\":\"" + prev + "\"}");
      }
    }
  }

  static Verdict verifyCli(String... args) {
    java.io.PrintStream old = System.out;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
      int code = new picocli.CommandLine(new dev.passage.gateway.cli.PassageCommand()).execute(args);
      return new Verdict(code, out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(old);
    }
  }
}
