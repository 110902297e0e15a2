package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How requests are spread over a route's targets, and how the pool bounds them. */
class UpstreamBalancingTest {

  @Test
  void roundRobinAlternatesBetweenTargets() throws Exception {
    try (TestUpstream x = TestUpstream.start("x");
        TestUpstream y = TestUpstream.start("y");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - { name: r, match: { path_prefix: / }, upstream: { targets: ["${X}", "${Y}"] } }
            """, Map.of("X", x.url(), "Y", y.url()))) {
      for (int i = 0; i < 10; i++) {
        assertEquals(200, gw.get("/rr").statusCode());
      }
      assertEquals(5, x.requests.get());
      assertEquals(5, y.requests.get());
    }
  }

  @Test
  void aTargetThatRefusesConnectionsIsSkippedAndNoRequestFails() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    try (TestUpstream live = TestUpstream.start("live");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - name: r
                match: { path_prefix: / }
                upstream: { targets: ["http://127.0.0.1:${DEAD}", "${LIVE}"], failure_backoff: 30s }
            """, Map.of("DEAD", Integer.toString(dead), "LIVE", live.url()))) {
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r = gw.get("/h" + i);
        assertEquals(200, r.statusCode(), "request " + i + " is retried on the live target");
        assertEquals("live", new JsonObject(r.body()).getString("upstream"));
      }
      assertEquals(20, live.requests.get());
    }
  }

  @Test
  void leastRequestsSendsNewWorkToTheIdleTarget() throws Exception {
    try (TestUpstream busy = TestUpstream.start("busy");
        TestUpstream idle = TestUpstream.start("idle");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - { name: r, match: { path_prefix: / }, upstream: { targets: ["${BUSY}", "${IDLE}"], balance: least_requests } }
            """, Map.of("BUSY", busy.url(), "IDLE", idle.url()))) {
      // The first request goes to "busy" (ties keep configuration order) and is held open there.
      CompletableFuture<HttpResponse<String>> held = gw.client.sendAsync(
          HttpRequest.newBuilder(URI.create(gw.url("/hold"))).build(), HttpResponse.BodyHandlers.ofString());
      long deadline = System.currentTimeMillis() + 5000;
      while (busy.requests.get() + idle.requests.get() == 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      TestUpstream holder = busy.requests.get() == 1 ? busy : idle;
      TestUpstream other = holder == busy ? idle : busy;
      for (int i = 0; i < 6; i++) {
        assertEquals(200, gw.get("/work").statusCode());
      }
      assertEquals(6, other.requests.get(), "every request avoided the target with one in flight");
      holder.releaseHeld();
      assertEquals(200, held.get(10, TimeUnit.SECONDS).statusCode());
    }
  }

  @Test
  void maxConnectionsBoundsTheUpstreamPoolAndExtraRequestsWait() throws Exception {
    try (TestUpstream up = TestUpstream.start("up");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            routes:
              - { name: r, match: { path_prefix: / }, upstream: { targets: ["${UP}"], max_connections: 2 } }
            """, Map.of("UP", up.url()))) {
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        calls.add(gw.client.sendAsync(HttpRequest.newBuilder(URI.create(gw.url("/hold"))).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      long deadline = System.currentTimeMillis() + 5000;
      while (up.requests.get() < 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      Thread.sleep(300);
      assertEquals(2, up.requests.get(), "only two requests reached the upstream");
      assertEquals(2, up.peakOpenConnections.get());
      String target = "route=\"r\",target=\"" + up.url() + "\"";
      assertEquals(2.0, metric(gw, "passage_upstream_pool_connections{" + target + "}"), "the bound, on /metrics");
      assertEquals(4.0, metric(gw, "passage_upstream_pool_pending_requests{route=\"r\"}"), "the four that wait");
      while (up.requests.get() < 6 && System.currentTimeMillis() < deadline + 10_000) {
        up.releaseHeld();
        Thread.sleep(20);
      }
      up.releaseHeld();
      for (CompletableFuture<HttpResponse<String>> c : calls) {
        assertEquals(200, c.get(10, TimeUnit.SECONDS).statusCode());
      }
      // Never more than two requests at the upstream at once. Sockets are not counted here: an idle
      // pooled connection of another event loop is closed to make room for a waiter there, and the
      // upstream may see that close only after the new connection arrived.
      assertTrue(up.peakActiveRequests.get() <= 2, "peak of concurrent requests " + up.peakActiveRequests.get());
      assertEquals(0.0, metric(gw, "passage_upstream_pool_pending_requests{route=\"r\"}"), "nobody waits any more");
    }
  }

  @Test
  void anIdlePooledConnectionIsClosedAfterTheUpstreamIdleTimeout() throws Exception {
    try (TestUpstream up = TestUpstream.start("up");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            routes:
              - { name: r, match: { path_prefix: / }, upstream: { targets: ["${UP}"], idle_timeout: 300ms } }
            """, Map.of("UP", up.url()))) {
      assertEquals(200, gw.get("/x").statusCode());
      String series = "passage_upstream_pool_connections{route=\"r\",target=\"" + up.url() + "\"}";
      assertEquals(1.0, metric(gw, series), "kept for the next request");
      long deadline = System.currentTimeMillis() + 5000;
      while (metric(gw, series) > 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(0.0, metric(gw, series), "closed once idle for idle_timeout");
      assertEquals(200, gw.get("/y").statusCode(), "a new connection serves the next request");
    }
  }

  private static double metric(RunningGateway gw, String series) throws Exception {
    String body = gw.client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
    for (String line : body.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1));
      }
    }
    throw new AssertionError(series + " is not on /metrics");
  }

  @Test
  void aFullWaitQueueAnswers503() throws Exception {
    try (TestUpstream up = TestUpstream.start("up");
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            routes:
              - { name: r, match: { path_prefix: / }, upstream: { targets: ["${UP}"], max_connections: 1, max_pending: 1 } }
            """, Map.of("UP", up.url()))) {
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        calls.add(gw.client.sendAsync(HttpRequest.newBuilder(URI.create(gw.url("/hold"))).build(),
            HttpResponse.BodyHandlers.ofString()));
        Thread.sleep(200);
      }
      HttpResponse<String> rejected = calls.get(2).get(10, TimeUnit.SECONDS);
      assertEquals(503, rejected.statusCode());
      while (!calls.get(0).isDone() || !calls.get(1).isDone()) {
        up.releaseHeld();
        Thread.sleep(20);
      }
      assertEquals(200, calls.get(0).get().statusCode());
      assertEquals(200, calls.get(1).get().statusCode());
    }
  }
}
