package dev.passage.gateway;

import static dev.passage.gateway.AuditIntegrityTest.JSON;
import static dev.passage.gateway.AuditIntegrityTest.expectVerdict;
import static dev.passage.gateway.AuditIntegrityTest.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.passage.audit.Ed25519Keys;
import dev.passage.gateway.AuditIntegrityTest.Verdict;
import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import dev.passage.gateway.support.TrailCopy;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /audit/head} on the admin listener: the last checkpoint each sink stored, behind the admin
 * token. Saved, or asked for by URL, it is an anchor: a trail whose tail was cut after a checkpoint
 * verifies as a shorter trail on its own, and as {@code truncated} against the head.
 */
class AuditHeadTest {

  private static final String TOKEN = "head-token-0123456789";

  @TempDir Path dir;

  @Test
  void aTailCutAfterACheckpointIsTruncatedAgainstTheHeadTheAdminListenerServed() throws Exception {
    Ed25519Keys.generate(dir.resolve("k"));
    Path pub = dir.resolve("k.pub");
    String keyId = Ed25519Keys.keyId(Ed25519Keys.readPublic(pub).get(0));
    // No anchor file: the head, saved by whoever asks for it, is the anchor.
    String integrity = "  integrity: { signing_key: \"" + dir.resolve("k.key") + "\", checkpoint_every: 10 }\n";
    try (TestUpstream up = TestUpstream.start("a");
        RunningGateway gw = AuditIntegrityTest.gateway(dir, up, "{ listen: 127.0.0.1:0, token: " + TOKEN + " }",
            integrity)) {
      AuditIntegrityTest.traffic(gw, 0, 25);
      String url = "http://127.0.0.1:" + gw.gateway.adminPort() + "/audit/head";

      assertEquals(401, get(gw, url, null).statusCode(), "no token");
      HttpResponse<String> wrong = get(gw, url, "not-the-token");
      assertEquals(401, wrong.statusCode());
      assertEquals("Bearer", wrong.headers().firstValue("WWW-Authenticate").orElse(null));
      HttpResponse<String> post = gw.client.send(HttpRequest.newBuilder(URI.create(url))
          .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(405, post.statusCode());

      // Checkpoints at 10 and 20; records 21-25 are after the last one. The head shows them once stored.
      JsonNode head = awaitHead(gw, url, 20, 25);
      assertEquals(keyId, head.get("key_ids").get(0).asText());
      assertEquals(1, head.get("key_ids").size());
      assertEquals(1, head.get("streams").size());
      JsonNode stream = head.get("streams").get(0);
      assertEquals(stream.get("stream").asText(), stream.at("/checkpoint/stream").asText());
      assertEquals(keyId, stream.at("/checkpoint/key_id").asText());
      Path saved = Files.writeString(dir.resolve("head.json"), get(gw, url, TOKEN).body());

      awaitCompressed(dir.resolve("logs"));
      TrailCopy original = TrailCopy.read(dir.resolve("logs"), "audit.jsonl");
      assertEquals(stream.get("stream").asText(), JSON.readTree(original.lines(0).get(0)).at("/chain/stream").asText());
      Verdict matched = verify(original.writeTo(dir.resolve("original")), "--public-key", pub.toString(), "--anchor",
          url, "--anchor-token", TOKEN);
      assertEquals(0, matched.exit(), matched.output());
      assertTrue(matched.output().contains("2 checkpoints (signatures verified), anchor matched"), matched.output());

      // Cut right after the checkpoint of seq 10: records 11-25 and the checkpoint of 20 are gone.
      TrailCopy cut = original.copy();
      List<String> names = cut.names();
      int cutFile = -1;
      int cutLine = -1;
      for (int f = 0; f < names.size() && cutFile < 0; f++) {
        List<String> lines = cut.lines(f);
        for (int l = 0; l < lines.size(); l++) {
          if (lines.get(l).startsWith("{\"type\":\"checkpoint\"") && JSON.readTree(lines.get(l)).get("seq").asLong() == 10) {
            cutFile = f;
            cutLine = l + 1;
            break;
          }
        }
      }
      for (int f = names.size() - 1; f > cutFile; f--) {
        cut.files.remove(names.get(f));
      }
      List<String> tail = cut.lines(cutFile);
      tail.subList(cutLine, tail.size()).clear();
      assertEquals(0, verify(cut.writeTo(dir.resolve("cut-alone")), "--public-key", pub.toString()).exit(),
          "without an anchor a cut tail looks like a shorter trail");
      expectVerdict(dir, cut, "cut-saved-head", List.of("--public-key", pub.toString(), "--anchor", saved.toString()),
          "truncated", names.get(cutFile), cutLine + 1, 11);
      Verdict byUrl = verify(cut.writeTo(dir.resolve("cut-url")), "--public-key", pub.toString(), "--anchor", url,
          "--anchor-token", TOKEN);
      assertEquals(1, byUrl.exit(), byUrl.output());
      assertTrue(byUrl.output().startsWith("TAMPERED truncated " + dir.resolve("cut-url").resolve(names.get(cutFile)) + ":"
          + (cutLine + 1) + " "), byUrl.output());
      assertTrue(byUrl.output().contains("seq=11: the anchor holds a checkpoint of seq 20"), byUrl.output());

      Verdict noToken = verify(cut.writeTo(dir.resolve("cut-no-token")), "--anchor", url);
      assertEquals(2, noToken.exit(), noToken.output());
      // contains, not startsWith: the gateway in this JVM logs the refusal to the same System.out.
      assertTrue(noToken.output().contains("unusable: the anchor " + url + " answered 401 (a missing or wrong"
          + " --anchor-token)"), noToken.output());

      // A saved head whose checkpoint was moved forward no longer carries a valid signature.
      Path forged = Files.writeString(dir.resolve("forged-head.json"),
          Files.readString(saved).replace("\"seq\":20,\"hash\"", "\"seq\":21,\"hash\""));
      Verdict badSig = verify(original.writeTo(dir.resolve("forged")), "--public-key", pub.toString(), "--anchor",
          forged.toString());
      assertEquals(1, badSig.exit(), badSig.output());
      assertTrue(badSig.output().startsWith("TAMPERED bad_signature " + forged + ":1 "), badSig.output());
    }
  }

  @Test
  void theHeadIsServedOnlyWithAnAdminTokenAndSignedCheckpoints() throws Exception {
    Ed25519Keys.generate(dir.resolve("k"));
    String integrity = "  integrity: { signing_key: \"" + dir.resolve("k.key") + "\" }\n";
    try (TestUpstream up = TestUpstream.start("a")) {
      try (RunningGateway gw = AuditIntegrityTest.gateway(dir.resolve("no-token"), up, "{ listen: 127.0.0.1:0 }",
          integrity)) {
        HttpResponse<String> r = get(gw, "http://127.0.0.1:" + gw.gateway.adminPort() + "/audit/head", TOKEN);
        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("needs admin.token"), r.body());
      }
      try (RunningGateway gw = AuditIntegrityTest.gateway(dir.resolve("unsigned"), up,
          "{ listen: 127.0.0.1:0, token: " + TOKEN + " }", "")) {
        String url = "http://127.0.0.1:" + gw.gateway.adminPort() + "/audit/head";
        assertEquals(401, get(gw, url, null).statusCode(), "the token first, whatever is behind it");
        HttpResponse<String> r = get(gw, url, TOKEN);
        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("audit.integrity.signing_key is not set"), r.body());
      }
    }
  }

  private static HttpResponse<String> get(RunningGateway gw, String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return gw.client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Waits until no rotated file awaits compression, so the trail is the active file and its .N.gz. */
  private static void awaitCompressed(Path logs) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      try (var s = Files.list(logs)) {
        if (s.noneMatch(p -> p.getFileName().toString().contains(".rotating"))) {
          return;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("rotated files still waiting for compression in " + logs);
  }

  /** Polls until the head's checkpoint is of {@code checkpointSeq} and the sink stored {@code seq} records. */
  private static JsonNode awaitHead(RunningGateway gw, String url, long checkpointSeq, long seq) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    String body = "";
    while (System.currentTimeMillis() < deadline) {
      HttpResponse<String> r = get(gw, url, TOKEN);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
      body = r.body();
      JsonNode s = JSON.readTree(body).get("streams").get(0);
      if (s.at("/checkpoint/seq").asLong() == checkpointSeq && s.get("seq").asLong() == seq) {
        return JSON.readTree(body);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no checkpoint of seq " + checkpointSeq + " and head " + seq + " in /audit/head: " + body);
  }
}
