package dev.passage.gateway.adversity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RawResponse;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The response timeout counts from the end of the request body: a slow upload is not a slow upstream. */
class ResponseTimeoutTest {

  @Test
  void anUploadSlowerThanTheResponseTimeoutIsAnsweredNot504() throws Exception {
    try (RecordingUpstream up = RecordingUpstream.start();
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - name: r
                match: { path_prefix: / }
                upstream: { targets: ["${U}"], response_timeout: 1s }
            """, Map.of("U", up.url()));
        RawClient c = RawClient.connect(gw.gateway.port())) {
      long start = System.nanoTime();
      c.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 3000\r\n\r\n");
      for (int i = 0; i < 10; i++) {
        // 300 bytes every 250 ms: 2.5 s of upload against a 1 s response timeout.
        Thread.sleep(250);
        c.send("x".repeat(300));
      }
      RawResponse r = c.read();
      long took = (System.nanoTime() - start) / 1_000_000;
      assertEquals(200, r.status(), r.toString());
      assertTrue(took >= 2400, "the answer came after the whole upload: " + took + " ms");
      assertEquals(3000, RecordingUpstream.body(up.requests().get(0)).length);
    }
  }
}
