package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.passage.gateway.support.AuditFile;
import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code routes[].audit.digest: false}: a route whose bodies are counted but not hashed (bulk
 * downloads a core's SHA-256 rate would bound), beside a route that digests as by default.
 */
class DigestOffTest {

  @TempDir Path dir;

  @Test
  void aRouteWithDigestOffRecordsSizesWithoutHashesAndOthersStillDigest() throws Exception {
    Path audit = dir.resolve("audit.jsonl");
    try (TestUpstream up = TestUpstream.start("files");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - name: bulk
                match: { path_prefix: /bulk }
                strip_prefix: true
                upstream: { targets: ["${UP}"] }
                audit: { digest: false }
              - name: api
                match: { path_prefix: / }
                upstream: { targets: ["${UP}"] }
            audit: { flush_interval: 50ms, sinks: [ { type: file, path: "${AUDIT}" } ] }
            """, Map.of("UP", up.url(), "AUDIT", audit.toString()))) {
      HttpResponse<String> bulk = gw.get("/bulk/bytes?n=100000");
      assertEquals(200, bulk.statusCode());
      HttpResponse<String> api = gw.get("/bytes?n=1000");
      assertEquals(200, api.statusCode());
      AuditFile file = new AuditFile(audit);
      JsonNode off = file.await(bulk.headers().firstValue("x-request-id").orElseThrow(), 5000);
      JsonNode on = file.await(api.headers().firstValue("x-request-id").orElseThrow(), 5000);
      assertEquals(100000, off.path("response").path("body").path("bytes").asLong(), off.toString());
      assertTrue(off.path("response").path("body").path("sha256").isNull(), off.toString());
      assertEquals(1000, on.path("response").path("body").path("bytes").asLong(), on.toString());
      assertEquals(64, on.path("response").path("body").path("sha256").asText().length(), on.toString());
    }
  }
}
