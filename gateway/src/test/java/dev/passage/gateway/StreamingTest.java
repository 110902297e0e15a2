package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.PatternBytes;
import dev.passage.gateway.support.RunningGateway;
import dev.passage.gateway.support.TestUpstream;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bodies stream with backpressure in both directions; event streams and WebSockets pass through live. */
class StreamingTest {

  static final long GIB = 1L << 30;
  /** Socket buffers on both sides of the gateway plus its own write queues; far below any body here. */
  static final long IN_FLIGHT_BOUND = 48L << 20;

  static TestUpstream a;
  static TestUpstream b;
  static RunningGateway gw;

  @BeforeAll
  static void start() throws Exception {
    a = TestUpstream.start("a");
    b = TestUpstream.start("b");
    gw = RunningGateway.start("""
        listen: 127.0.0.1:0
        routes:
          - { name: a, match: { path_prefix: /a }, strip_prefix: true, upstream: { targets: ["${A}"] } }
          - { name: b, match: { path_prefix: /b }, strip_prefix: true, upstream: { targets: ["${B}"] } }
        """, Map.of("A", a.url(), "B", b.url()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    a.close();
    b.close();
  }

  @Test
  void aSlowDownloadPausesTheUpstreamAndTheWholeGibArrivesIntact() throws Exception {
    a.bytesSent.set(0);
    HttpResponse<InputStream> r = gw.client.send(
        HttpRequest.newBuilder(URI.create(gw.url("/a/bytes?n=" + GIB))).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    MessageDigest md = PatternBytes.sha256();
    byte[] buf = new byte[64 * 1024];
    long received = 0;
    long worstLead = 0;
    try (InputStream in = r.body()) {
      // Phase 1: a client reading at about 20 MB/s for 32 MiB; the upstream must not run ahead.
      while (received < (32L << 20)) {
        int n = in.read(buf);
        md.update(buf, 0, n);
        received += n;
        if ((received & ((1 << 20) - 1)) < n) {
          Thread.sleep(50);
          worstLead = Math.max(worstLead, a.bytesSent.get() - received);
        }
      }
      // Phase 2: read the rest at full speed.
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
        received += n;
      }
    }
    assertTrue(worstLead < IN_FLIGHT_BOUND, "upstream ran " + (worstLead >> 20) + " MiB ahead of a slow client");
    assertEquals(GIB, received);
    assertEquals(PatternBytes.digestOf(GIB), PatternBytes.hex(md.digest()));
  }

  @Test
  void aSlowUpstreamReaderPausesAGibUploadAndEveryByteArrives() throws Exception {
    a.bytesReceived.set(0);
    PatternBody body = new PatternBody(GIB);
    CompletableFuture<HttpResponse<String>> response = gw.client.sendAsync(
        HttpRequest.newBuilder(URI.create(gw.url("/a/upload?pause=1")))
            .POST(HttpRequest.BodyPublishers.fromPublisher(body, GIB)).build(),
        HttpResponse.BodyHandlers.ofString());
    Thread.sleep(1500);
    long sentWhilePaused = body.produced();
    assertTrue(sentWhilePaused < IN_FLIGHT_BOUND,
        "client could push " + (sentWhilePaused >> 20) + " MiB while the upstream read nothing");
    a.resumeUploads();
    HttpResponse<String> r = response.get(120, TimeUnit.SECONDS);
    JsonObject reply = new JsonObject(r.body());
    assertEquals(GIB, reply.getLong("bytes"));
    assertEquals(PatternBytes.digestOf(GIB), reply.getString("sha256"));
  }

  @Test
  void aClientThatDisconnectsMidStreamCancelsTheUpstreamExchange() throws Exception {
    int before = a.closedMidResponse.get();
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.gateway.port())) {
      s.getOutputStream().write(("GET /a/bytes?n=" + GIB + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      s.getInputStream().readNBytes(1 << 20);
    }
    long deadline = System.currentTimeMillis() + 10_000;
    while (a.closedMidResponse.get() == before && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(before + 1, a.closedMidResponse.get(), "the upstream response was cut off, not left streaming");
  }

  @Test
  void serverSentEventsArriveOneByOneAsTheyAreSent() throws Exception {
    HttpResponse<InputStream> r = gw.client.send(
        HttpRequest.newBuilder(URI.create(gw.url("/a/sse?events=3"))).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(""));
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      for (int n = 1; n <= 3; n++) {
        assertTrue(a.awaitEventWaiting(5_000));
        a.releaseEvent();
        // The upstream sends event n+1 only after this client has read event n: a proxy that
        // buffered would leave this read waiting forever (the test's timeout fails it).
        String line;
        while ((line = in.readLine()) != null && !line.startsWith("data:")) {
          // skip the comment and id lines
        }
        assertEquals("data: {\"n\":" + n + "}", line);
      }
    }
  }

  @Test
  void aWebSocketIsPinnedToItsUpstreamWhileOtherRequestsRouteNormally() throws Exception {
    LinkedBlockingQueue<String> echoes = new LinkedBlockingQueue<>();
    WebSocket ws = gw.client.newWebSocketBuilder().buildAsync(
        URI.create("ws://127.0.0.1:" + gw.gateway.port() + "/a/ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            echoes.add(data.toString());
            webSocket.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
    assertEquals("hello", echoes.poll(5, TimeUnit.SECONDS));
    long bRequests = b.requests.get();
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> other = gw.get("/b/route-b");
      assertEquals("b", new JsonObject(other.body()).getString("upstream"), "route B reaches B while a socket is open on A");
    }
    assertEquals(bRequests + 5, b.requests.get());
    String big = "x".repeat(200_000);
    ws.sendText(big, true).get(5, TimeUnit.SECONDS);
    StringBuilder got = new StringBuilder();
    while (got.length() < big.length()) {
      String part = echoes.poll(5, TimeUnit.SECONDS);
      assertTrue(part != null, "echo of a 200 kB message arrived");
      got.append(part);
    }
    assertEquals(big, got.toString());
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
  }

  /** A request body of pattern bytes that counts what the transport pulled. */
  static final class PatternBody implements Flow.Publisher<ByteBuffer> {
    private final long total;
    private volatile long produced;

    PatternBody(long total) {
      this.total = total;
    }

    long produced() {
      return produced;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
      PatternBytes pattern = new PatternBytes();
      subscriber.onSubscribe(new Flow.Subscription() {
        boolean done;

        @Override
        public synchronized void request(long n) {
          for (long i = 0; i < n && !done; i++) {
            int len = (int) Math.min(64 * 1024, total - produced);
            if (len <= 0) {
              done = true;
              subscriber.onComplete();
              return;
            }
            produced += len;
            subscriber.onNext(ByteBuffer.wrap(pattern.next(len)));
          }
        }

        @Override
        public void cancel() {
          done = true;
        }
      });
    }
  }

  static Duration timeout() {
    return Duration.ofSeconds(30);
  }
}
