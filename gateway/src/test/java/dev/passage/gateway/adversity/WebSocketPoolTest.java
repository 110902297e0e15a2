package dev.passage.gateway.adversity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RawResponse;
import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Open WebSockets hold connections of their own, bounded by upstream.max_websockets, and never
 * take the connections plain requests need; past the bound an upgrade gets 503 at once.
 */
class WebSocketPoolTest {

  @Test
  void tunnelsHaveTheirOwnBoundAndLeaveTheRequestPoolAlone() throws Exception {
    try (TestUpstream up = TestUpstream.start("a");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - name: a
                match: { path_prefix: / }
                upstream: { targets: ["${A}"], max_connections: 2, max_websockets: 3, connect_timeout: 5s }
            """, Map.of("A", up.url()))) {
      List<WebSocket> open = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        open.add(gw.client.newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + gw.gateway.port() + "/ws"), new WebSocket.Listener() {})
            .get(5, TimeUnit.SECONDS));
      }
      // More tunnels than request connections are open, and plain requests still find their pool.
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> r = gw.get("/plain-" + i);
        assertEquals(200, r.statusCode(), r.body());
      }
      long asked = System.nanoTime();
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        RawResponse r = c.send("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").read();
        assertEquals(503, r.status(), "the fourth tunnel is refused: " + r);
      }
      long millis = (System.nanoTime() - asked) / 1_000_000;
      assertTrue(millis < 2000, "refused at once, not after the connect timeout: " + millis + " ms");
      open.get(0).sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
      // The closed tunnel's slot frees once the upstream socket closes.
      long end = System.currentTimeMillis() + 5000;
      WebSocket again = null;
      while (again == null && System.currentTimeMillis() < end) {
        try {
          again = gw.client.newWebSocketBuilder()
              .buildAsync(URI.create("ws://127.0.0.1:" + gw.gateway.port() + "/ws"), new WebSocket.Listener() {})
              .get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException refused) {
          Thread.sleep(100);
        }
      }
      assertTrue(again != null, "a tunnel slot frees when a WebSocket closes");
    }
  }
}
