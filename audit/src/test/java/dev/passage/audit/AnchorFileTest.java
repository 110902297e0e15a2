package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash while a checkpoint is appended to the anchor leaves the file ending inside a line. The
 * next start ends that fragment before appending, so later checkpoints stay whole lines, and verify
 * skips the cut one (with a note) instead of calling the anchor unusable.
 */
class AnchorFileTest {

  @TempDir Path dir;

  @Test
  void aCheckpointCutByACrashIsEndedAtTheNextStartAndSkippedByVerify() throws Exception {
    KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    String keyId = Ed25519Keys.keyId(key.getPublic());
    RecordChain chain = new RecordChain("gw-1", ChainHead.start("s-1"));
    List<byte[]> trail = new ArrayList<>();
    List<byte[]> checkpoints = new ArrayList<>();
    for (int i = 1; i <= 30; i++) {
      trail.add(chain.link(AuditRecordJson.toLine(Records.of("r" + i, "orders", 200, Outcome.OK))));
      if (i % 10 == 0) {
        byte[] c = Checkpoint.line(chain.head(), "2026-03-01T12:00:00.000Z", keyId, key.getPrivate());
        trail.add(c);
        checkpoints.add(c);
      }
    }
    Path log = dir.resolve("audit.jsonl");
    for (byte[] line : trail) {
      Files.write(log, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
    Path anchor = dir.resolve("anchor.jsonl");
    Files.write(anchor, checkpoints.get(0));
    Files.write(anchor, Arrays.copyOf(checkpoints.get(1), 50), StandardOpenOption.APPEND); // the crash

    try (AnchorFile file = new AnchorFile(anchor)) {
      file.append(List.of(checkpoints.get(2)));
    }
    List<String> lines = Files.readAllLines(anchor);
    assertEquals(3, lines.size(), lines.toString());
    assertEquals(new String(checkpoints.get(2), StandardCharsets.US_ASCII).strip(), lines.get(2));
    assertEquals(30, Checkpoint.lastInFile(anchor).seq(), "the anchor's last checkpoint, as a rotation check reads it");

    Path pub = dir.resolve("k.pub");
    Files.writeString(pub, "-----BEGIN PUBLIC KEY-----\n"
        + java.util.Base64.getMimeEncoder().encodeToString(key.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = AuditVerify.run(List.of(log), List.of(pub), anchor.toString(), null,
        new PrintStream(out, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(AuditVerify.EXIT_INTACT, exit, text);
    assertTrue(text.contains("3 checkpoints (signatures verified), anchor matched"), text);
    assertTrue(text.contains("note: the anchor holds 1 checkpoint line(s) cut short"), text);

    // Cut the log's tail after seq 20: the whole checkpoint of seq 30 in the anchor still shows it.
    List<byte[]> cut = trail.subList(0, 22);
    Path shorter = dir.resolve("cut.jsonl");
    for (byte[] line : cut) {
      Files.write(shorter, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
    out.reset();
    exit = AuditVerify.run(List.of(shorter), List.of(pub), anchor.toString(), null,
        new PrintStream(out, true, StandardCharsets.UTF_8));
    text = out.toString(StandardCharsets.UTF_8);
    assertEquals(AuditVerify.EXIT_TAMPERED, exit, text);
    assertTrue(text.startsWith("TAMPERED truncated " + shorter + ":23 stream=s-1 seq=21:"), text);
  }
}
