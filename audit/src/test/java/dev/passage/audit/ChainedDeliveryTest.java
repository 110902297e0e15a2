package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records delivered through the spool form one hash chain per sink, across rotation and restarts. */
class ChainedDeliveryTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private AuditPipeline chained(Path file, Path spool) throws Exception {
    return new AuditPipeline(List.of(new JsonlFileSink(file, 4096)), 1000, 64L << 20, QueueFullPolicy.BLOCK,
        Duration.ofMillis(50), SpoolPipelineTest.spool(spool, 8L << 20, SpoolFullPolicy.FAIL_CLOSED),
        IntegritySettings.CHAIN_ONLY);
  }

  @Test
  void everyLineLinksToThePreviousAcrossRotationAndRestart() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    Path spool = dir.resolve("spool");
    AuditPipeline first = chained(file, spool);
    SpoolPipelineTest.submit(first, 0, 120);
    first.close(Duration.ofSeconds(20));
    AuditPipeline second = chained(file, spool);
    SpoolPipelineTest.submit(second, 120, 200);
    second.close(Duration.ofSeconds(20));

    List<String> lines = linesOldestFirst(file);
    assertTrue(Files.exists(dir.resolve("audit.jsonl.3.gz")), "several rotations happened");
    assertEquals(200, lines.size());
    String prev = ChainHead.GENESIS;
    String stream = null;
    String instance = null;
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      JsonNode r = JSON.readTree(line);
      ids.add(r.get("id").asText());
      JsonNode chain = r.get("chain");
      assertEquals(i + 1, chain.get("seq").asLong(), "seq of line " + i);
      assertEquals(prev, chain.get("prev").asText(), "prev of line " + i);
      if (stream == null) {
        stream = chain.get("stream").asText();
        instance = r.get("instance").asText();
      }
      assertEquals(stream, chain.get("stream").asText(), "one stream across the restart");
      assertEquals(instance, r.get("instance").asText());
      // Canonical bytes: the line without its newline and its last member, "hash".
      int cut = line.lastIndexOf(",\"hash\":\"");
      String canonical = line.substring(0, cut) + "}";
      String hash = HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
      assertEquals(hash, r.get("hash").asText(), "hash of line " + i);
      assertEquals(line.substring(cut), ",\"hash\":\"" + hash + "\"}", "hash is the last member");
      prev = hash;
    }
    assertEquals(SpoolPipelineTest.ids(0, 200), ids);
  }

  @Test
  void linkingTheSameLineFromTheSameHeadRepeatsItsBytes() {
    byte[] line = AuditRecordJson.toLine(Records.of("r1", "orders", 200, Outcome.OK));
    ChainHead head = ChainHead.fresh();
    byte[] once = new RecordChain("gw-1", head).link(line);
    byte[] again = new RecordChain("gw-1", head).link(line);
    assertArrayEquals(once, again, "a replay from a stored head writes identical bytes");
    RecordChain chain = new RecordChain("gw-1", head);
    chain.link(line);
    assertNotEquals(new String(once, StandardCharsets.UTF_8),
        new String(chain.link(line), StandardCharsets.UTF_8), "the next link differs (seq, prev)");
  }

  /** The active file's generations, oldest first, then the active file. */
  static List<String> linesOldestFirst(Path active) throws Exception {
    List<String> out = new ArrayList<>();
    int n = 1;
    while (Files.exists(active.resolveSibling(active.getFileName() + "." + n + ".gz"))) {
      n++;
    }
    for (int g = n - 1; g >= 1; g--) {
      Path gz = active.resolveSibling(active.getFileName() + "." + g + ".gz");
      try (BufferedReader r = new BufferedReader(new InputStreamReader(
          new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8))) {
        r.lines().forEach(out::add);
      }
    }
    out.addAll(Files.readAllLines(active, StandardCharsets.UTF_8));
    return out;
  }
}
