package dev.passage.gateway;

import static dev.passage.gateway.AuditCheckpointTest.verifyCli;
import static dev.passage.gateway.AuditIntegrityTest.JSON;
import static dev.passage.gateway.AuditIntegrityTest.expectVerdict;
import static dev.passage.gateway.AuditIntegrityTest.python;
import static dev.passage.gateway.AuditIntegrityTest.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.passage.audit.Ed25519Keys;
import dev.passage.gateway.AuditIntegrityTest.Verdict;
import dev.passage.gateway.config.ConfigException;
import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import dev.passage.gateway.support.TrailCopy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key rotation through a real restart: the gateway signs with key A, stops, and starts again with
 * key B ({@code audit.integrity.public_keys} naming A). The one chain carries checkpoints of both keys;
 * {@code verify} passes it given both public keys and names the first checkpoint of the key left out.
 */
class AuditKeyRotationTest {

  @TempDir Path dir;

  private String integrity(Path key, List<Path> earlier) {
    return "  integrity:\n"
        + "    signing_key: \"" + key + "\"\n"
        + "    checkpoint_every: 10\n"
        + "    anchor: { path: \"" + dir.resolve("anchor").resolve("anchor.jsonl") + "\" }\n"
        + "    public_keys: [" + earlier.stream().map(p -> "\"" + p + "\"").collect(Collectors.joining(", ")) + "]\n";
  }

  @Test
  void aTrailSignedByKeyAThenKeyBAfterARestartVerifiesWithBothAndNamesTheFirstCheckpointOfAMissingKey()
      throws Exception {
    Path keys = Files.createDirectories(dir.resolve("keys"));
    assertEquals(0, verifyCli("audit", "keygen", "--out", keys.resolve("a").toString()).exit());
    assertEquals(0, verifyCli("audit", "keygen", "--out", keys.resolve("b").toString()).exit());
    Path pubA = keys.resolve("a.pub");
    Path pubB = keys.resolve("b.pub");
    String idA = Ed25519Keys.keyId(Ed25519Keys.readPublic(pubA).get(0));
    String idB = Ed25519Keys.keyId(Ed25519Keys.readPublic(pubB).get(0));
    Path anchor = dir.resolve("anchor").resolve("anchor.jsonl");
    try (TestUpstream up = TestUpstream.start("a")) {
      try (RunningGateway gw = AuditIntegrityTest.gateway(dir, up, integrity(keys.resolve("a.key"), List.of()))) {
        AuditIntegrityTest.traffic(gw, 0, 25);
      }
      // Key B alone: the anchor ends with a checkpoint of key A, which the config does not mention.
      ConfigException refused = assertThrows(ConfigException.class,
          () -> AuditIntegrityTest.gateway(dir, up, integrity(keys.resolve("b.key"), List.of())));
      assertEquals(1, refused.errors().size(), refused.getMessage());
      String error = refused.errors().get(0).toString();
      assertTrue(error.startsWith("test.yaml:12 audit.integrity.signing_key: is key " + idB + ", but the last checkpoint"
          + " in the anchor " + anchor), error);
      assertTrue(error.contains("was signed by key " + idA + ": after a key rotation list the earlier key's public half in"
          + " audit.integrity.public_keys"), error);
      try (RunningGateway gw = AuditIntegrityTest.gateway(dir, up, integrity(keys.resolve("b.key"), List.of(pubA)))) {
        AuditIntegrityTest.traffic(gw, 25, 18);
      }
    }

    TrailCopy original = TrailCopy.read(dir.resolve("logs"), "audit.jsonl");
    List<int[]> places = new ArrayList<>(); // {file, line} of each checkpoint
    List<JsonNode> checkpoints = new ArrayList<>();
    for (int f = 0; f < original.files.size(); f++) {
      List<String> lines = original.lines(f);
      for (int l = 0; l < lines.size(); l++) {
        if (lines.get(l).startsWith("{\"type\":\"checkpoint\"")) {
          places.add(new int[] {f, l + 1});
          checkpoints.add(JSON.readTree(lines.get(l)));
        }
      }
    }
    // Every 10 records and at each graceful stop, one stream across the restart: A signed 10, 20, 25; B 35, 43.
    assertEquals(List.of(10L, 20L, 25L, 35L, 43L), checkpoints.stream().map(c -> c.get("seq").asLong()).toList());
    assertEquals(List.of(idA, idA, idA, idB, idB), checkpoints.stream().map(c -> c.get("key_id").asText()).toList());
    assertEquals(1, checkpoints.stream().map(c -> c.get("stream").asText()).distinct().count());

    List<String> both = List.of("--public-key", pubA.toString(), "--public-key", pubB.toString(), "--anchor",
        anchor.toString());
    Verdict intact = verify(original.writeTo(dir.resolve("original")), both.toArray(String[]::new));
    assertEquals(0, intact.exit(), intact.output());
    assertTrue(intact.output().contains("43 records in 1 stream(s)"), intact.output());
    assertTrue(intact.output().contains("5 checkpoints (signatures verified), anchor matched"), intact.output());
    Verdict py = python(original.writeTo(dir.resolve("original-py")), both.toArray(String[]::new));
    assertEquals(0, py.exit(), py.output());

    // An append a crash cut short, ended by the next start before it appended again: both verifiers skip it.
    Path tornAnchor = dir.resolve("torn-anchor.jsonl");
    List<String> anchored = Files.readAllLines(anchor);
    Files.writeString(tornAnchor, String.join("\n", anchored.subList(0, 4)) + "\n" + anchored.get(4).substring(0, 60)
        + "\n" + anchored.get(4) + "\n");
    List<String> torn = List.of("--public-key", pubA.toString(), "--public-key", pubB.toString(), "--anchor",
        tornAnchor.toString());
    Verdict tornJava = verify(original.writeTo(dir.resolve("torn")), torn.toArray(String[]::new));
    assertEquals(0, tornJava.exit(), tornJava.output());
    assertTrue(tornJava.output().contains("note: the anchor holds 1 checkpoint line(s) cut short"), tornJava.output());
    Verdict tornPy = python(original.writeTo(dir.resolve("torn-py")), torn.toArray(String[]::new));
    assertEquals(0, tornPy.exit(), tornPy.output());

    List<String> names = original.names();
    int[] firstOfA = places.get(0);
    expectVerdict(dir, original.copy(), "only-b", List.of("--public-key", pubB.toString()), "unknown key",
        names.get(firstOfA[0]), firstOfA[1], 10);
    int[] firstOfB = places.get(3);
    expectVerdict(dir, original.copy(), "only-a", List.of("--public-key", pubA.toString()), "unknown key",
        names.get(firstOfB[0]), firstOfB[1], 35);

    // With the anchor, a missing key shows there first: its first line is key A's checkpoint of seq 10.
    Verdict anchorFirst = verify(original.writeTo(dir.resolve("anchor-only-b")), "--public-key", pubB.toString(),
        "--anchor", anchor.toString());
    assertEquals(1, anchorFirst.exit(), anchorFirst.output());
    assertTrue(anchorFirst.output().startsWith("TAMPERED unknown_key " + anchor + ":1 stream="), anchorFirst.output());
    assertTrue(anchorFirst.output().contains(" seq=10: anchor checkpoint signed by key " + idA), anchorFirst.output());
  }
}
