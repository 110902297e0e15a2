package dev.passage.gateway.frontdoor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.LeakCheckExtension;
import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RawResponse;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code Expect: 100-continue}: the gateway itself answers 100 once the request is admitted, and does not forward the expectation. */
@ExtendWith(LeakCheckExtension.class)
class ExpectContinueTest {

  static final String BODY = "hello world";

  static RunningGateway gatewayTo(RecordingUpstream up, String prefix) throws Exception {
    return RunningGateway.start("""
        listen: 127.0.0.1:0
        routes:
          - { name: r, match: { path_prefix: "%s" }, upstream: { targets: ["${UP}"] } }
        """.formatted(prefix), Map.of("UP", up.url()));
  }

  @Test
  void theClientGets100ContinueBeforeItSendsTheBodyAndTheUpstreamNeverSeesExpect() throws Exception {
    try (RecordingUpstream up = RecordingUpstream.start(); RunningGateway gw = gatewayTo(up, "/");
        RawClient client = RawClient.connect(gw.gateway.port())) {
      long start = System.nanoTime();
      client.send("POST /upload HTTP/1.1\r\nHost: expect.test\r\nExpect: 100-continue\r\nContent-Length: "
          + BODY.length() + "\r\n\r\n");
      RawResponse interim = client.read();
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertNotNull(interim, "the gateway closed instead of answering 100");
      assertEquals(100, interim.status(), "first answer, before any body byte was sent");
      assertEquals("HTTP/1.1", interim.version());
      assertTrue(waitedMs < 1000, "100 Continue took " + waitedMs + " ms");

      RawResponse last = client.send(BODY).read();
      assertNotNull(last);
      assertEquals(200, last.status(), last.bodyText());
      assertTrue(up.awaitRequests(1, 5_000));
      byte[] seen = up.requests().get(0);
      String head = WireBytes.head(seen);
      assertTrue(WireBytes.fieldValues(head, "expect").isEmpty(), "Expect must not be forwarded: " + head);
      assertArrayEquals(WireBytes.latin1(BODY), WireBytes.body(seen), "the upstream got the body");
    }
  }

  @Test
  void theJdkClientWithExpectContinueFinishesAPostPromptly() throws Exception {
    try (RecordingUpstream up = RecordingUpstream.start(); RunningGateway gw = gatewayTo(up, "/")) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      long start = System.nanoTime();
      CompletableFuture<HttpResponse<String>> call = client.sendAsync(
          HttpRequest.newBuilder(URI.create(gw.url("/jdk"))).expectContinue(true)
              .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> r = call.get(3, TimeUnit.SECONDS);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(ms < 3000, "took " + ms + " ms");
      assertTrue(up.awaitRequests(1, 5_000));
      assertArrayEquals(WireBytes.latin1(BODY), WireBytes.body(up.requests().get(0)));
      assertTrue(WireBytes.fieldValues(WireBytes.head(up.requests().get(0)), "expect").isEmpty());
    }
  }

  @Test
  void anUnroutedRequestGetsAFinal404AndNo100() throws Exception {
    try (RecordingUpstream up = RecordingUpstream.start(); RunningGateway gw = gatewayTo(up, "/api");
        RawClient client = RawClient.connect(gw.gateway.port())) {
      long start = System.nanoTime();
      client.send("POST /elsewhere HTTP/1.1\r\nHost: expect.test\r\nExpect: 100-continue\r\nContent-Length: "
          + BODY.length() + "\r\n\r\n");
      RawResponse first = client.read();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertNotNull(first, "the gateway closed without an answer");
      assertEquals(404, first.status(), "a request that will not be admitted gets its final answer, not 100");
      assertTrue(ms < 1000, "the 404 came after " + ms + " ms, as if the gateway waited for the body");
      assertEquals(0, up.requestCount());
    }
  }

  @Test
  void anotherExpectationGets417() throws Exception {
    try (RecordingUpstream up = RecordingUpstream.start(); RunningGateway gw = gatewayTo(up, "/");
        RawClient client = RawClient.connect(gw.gateway.port())) {
      client.send("POST /x HTTP/1.1\r\nHost: expect.test\r\nExpect: something-else\r\nContent-Length: "
          + BODY.length() + "\r\n\r\n" + BODY);
      RawResponse r = client.read();
      assertNotNull(r);
      assertEquals(417, r.status());
      assertTrue("close".equalsIgnoreCase(r.header("connection")), "a refusal closes: " + r.headers());
      assertEquals(0, up.requestCount());
    }
  }
}
