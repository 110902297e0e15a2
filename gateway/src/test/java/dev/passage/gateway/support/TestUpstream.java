package dev.passage.gateway.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 server on 127.0.0.1 behind the gateway in tests. Endpoints:
 * <ul>
 *   <li>{@code /echo}: 200 with a JSON object of the method, uri and headers it received, after
 *       reading the whole body (its length and sha256 are in the reply)</li>
 *   <li>{@code /bytes?n=N}: N deterministic bytes ({@link PatternBytes}), streamed with backpressure</li>
 *   <li>{@code /sse?events=N}: N events; each after the test releases it with {@link #releaseEvent()}</li>
 *   <li>{@code /slow-headers?ms=M}: response headers after M ms</li>
 *   <li>{@code /hold}: never answers until {@link #releaseHeld()}</li>
 *   <li>{@code /upload?pause=1}: reads the body, paused until {@link #resumeUploads()}</li>
 *   <li>{@code /ws}: WebSocket echo</li>
 *   <li>anything else: 200 {@code {"upstream":"NAME","path":...}}</li>
 * </ul>
 */
public final class TestUpstream implements AutoCloseable {

  public final String name;
  private final Vertx vertx;
  private final HttpServer server;
  public final AtomicLong bytesSent = new AtomicLong();
  public final AtomicLong bytesReceived = new AtomicLong();
  public final AtomicInteger connections = new AtomicInteger();
  public final AtomicInteger openConnections = new AtomicInteger();
  public final AtomicInteger peakOpenConnections = new AtomicInteger();
  public final AtomicInteger activeRequests = new AtomicInteger();
  public final AtomicInteger peakActiveRequests = new AtomicInteger();
  public final AtomicInteger requests = new AtomicInteger();
  public final AtomicInteger closedMidResponse = new AtomicInteger();
  public final List<String> paths = new CopyOnWriteArrayList<>();
  public final BlockingQueue<Map<String, String>> receivedHeaders = new LinkedBlockingQueue<>();
  public final BlockingQueue<String> uploadDigests = new LinkedBlockingQueue<>();
  private final BlockingQueue<Runnable> eventReleases = new LinkedBlockingQueue<>();
  private final List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
  private final List<HttpServerRequest> pausedUploads = new CopyOnWriteArrayList<>();
  private volatile boolean uploadsResumed;

  private TestUpstream(String name, Vertx vertx, HttpServer server) {
    this.name = name;
    this.vertx = vertx;
    this.server = server;
  }

  public static TestUpstream start(String name) throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer server = vertx.createHttpServer();
    TestUpstream up = new TestUpstream(name, vertx, server);
    server.connectionHandler(conn -> {
      up.connections.incrementAndGet();
      int open = up.openConnections.incrementAndGet();
      up.peakOpenConnections.accumulateAndGet(open, Math::max);
      conn.closeHandler(v -> up.openConnections.decrementAndGet());
    });
    server.webSocketHandler(up::webSocket);
    server.requestHandler(up::handle);
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return up;
  }

  public int port() {
    return server.actualPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public void releaseEvent() {
    Runnable r = eventReleases.poll();
    if (r != null) {
      r.run();
    }
  }

  public boolean awaitEventWaiting(long ms) throws InterruptedException {
    long end = System.currentTimeMillis() + ms;
    while (eventReleases.isEmpty() && System.currentTimeMillis() < end) {
      Thread.sleep(5);
    }
    return !eventReleases.isEmpty();
  }

  public void releaseHeld() {
    held.forEach(r -> vertx.runOnContext(v -> r.response().end("released")));
    held.clear();
  }

  public void resumeUploads() {
    uploadsResumed = true;
    pausedUploads.forEach(r -> vertx.runOnContext(v -> r.resume()));
  }

  private void handle(HttpServerRequest req) {
    requests.incrementAndGet();
    paths.add(req.uri());
    int active = activeRequests.incrementAndGet();
    peakActiveRequests.accumulateAndGet(active, Math::max);
    req.response().endHandler(v -> activeRequests.decrementAndGet());
    req.response().closeHandler(v -> {
      if (!req.response().ended()) {
        closedMidResponse.incrementAndGet();
        activeRequests.decrementAndGet();
      }
    });
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    req.headers().forEach(h -> headers.merge(h.getKey().toLowerCase(), h.getValue(), (a, b) -> a + "," + b));
    receivedHeaders.add(headers);
    String path = req.path();
    switch (path) {
      case "/echo":
        echo(req, headers);
        break;
      case "/bytes":
        streamBytes(req, Long.parseLong(req.getParam("n")));
        break;
      case "/sse":
        sse(req, Integer.parseInt(req.getParam("events", "3")));
        break;
      case "/slow-headers":
        vertx.setTimer(Long.parseLong(req.getParam("ms")), t -> req.response().end("late"));
        break;
      case "/hold":
        held.add(req);
        break;
      case "/page":
        req.response().putHeader("content-type", "text/html").end(BROWSER_PAGE);
        break;
      case "/sse-auto":
        sseAuto(req, Integer.parseInt(req.getParam("events", "3")));
        break;
      case "/upload":
        upload(req);
        break;
      default:
        req.response().putHeader("content-type", "application/json")
            .end(new JsonObject().put("upstream", name).put("path", req.uri()).encode());
    }
  }

  private void echo(HttpServerRequest req, Map<String, String> headers) {
    java.security.MessageDigest md = PatternBytes.sha256();
    long[] n = {0};
    req.handler(b -> {
      n[0] += b.length();
      bytesReceived.addAndGet(b.length());
      md.update(b.getBytes());
    });
    req.endHandler(v -> {
      JsonObject out = new JsonObject().put("upstream", name).put("method", req.method().name())
          .put("uri", req.uri()).put("headers", new JsonObject(new java.util.HashMap<>(headers)))
          .put("body_bytes", n[0]).put("body_sha256", PatternBytes.hex(md.digest()));
      req.response().putHeader("content-type", "application/json")
          .putHeader("connection", "keep-alive, x-hop-secret")
          .putHeader("x-hop-secret", "must-not-reach-client")
          .putHeader("keep-alive", "timeout=5")
          .end(out.encode());
    });
  }

  private void upload(HttpServerRequest req) {
    java.security.MessageDigest md = PatternBytes.sha256();
    long[] n = {0};
    if ("1".equals(req.getParam("pause")) && !uploadsResumed) {
      req.pause();
      pausedUploads.add(req);
    }
    req.handler(b -> {
      n[0] += b.length();
      bytesReceived.addAndGet(b.length());
      md.update(b.getBytes());
    });
    req.endHandler(v -> {
      String digest = PatternBytes.hex(md.digest());
      uploadDigests.add(digest);
      req.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("bytes", n[0]).put("sha256", digest).encode());
    });
  }

  private void streamBytes(HttpServerRequest req, long total) {
    HttpServerResponse res = req.response();
    res.putHeader("content-type", req.getParam("type", "application/octet-stream"));
    if (req.getParam("chunked") == null) {
      res.putHeader("content-length", Long.toString(total));
    } else {
      res.setChunked(true);
    }
    PatternBytes pattern = new PatternBytes();
    long[] sent = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (sent[0] < total && !res.writeQueueFull() && !res.closed()) {
        int len = (int) Math.min(64 * 1024, total - sent[0]);
        Buffer chunk = Buffer.buffer(pattern.next(len));
        sent[0] += len;
        bytesSent.addAndGet(len);
        res.write(chunk);
      }
      if (res.closed()) {
        return;
      }
      if (sent[0] >= total) {
        res.end();
      } else {
        res.drainHandler(v -> pump[0].run());
      }
    };
    pump[0].run();
  }

  private void sse(HttpServerRequest req, int events) {
    HttpServerResponse res = req.response();
    res.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
    res.write(": open\n\n");
    int[] sent = {0};
    Runnable[] next = new Runnable[1];
    next[0] = () -> eventReleases.add(() -> vertx.runOnContext(v -> {
      sent[0]++;
      res.write("id: " + sent[0] + "\ndata: {\"n\":" + sent[0] + "}\n\n");
      if (sent[0] == events) {
        res.end();
      } else {
        next[0].run();
      }
    }));
    next[0].run();
  }

  /** Opens a WebSocket and an EventSource through whatever served it and writes what it saw into the DOM. */
  static final String BROWSER_PAGE = """
      <!doctype html><html><body><div id="ws">ws:pending</div><div id="sse">sse:0</div>
      <script>
      const ws = new WebSocket("ws://" + location.host + location.pathname.replace(/page$/, "ws"));
      ws.onopen = () => ws.send("from-browser");
      ws.onmessage = (e) => { document.getElementById("ws").textContent = "ws:" + e.data; ws.close(); };
      ws.onerror = () => { document.getElementById("ws").textContent = "ws:error"; };
      const es = new EventSource(location.pathname.replace(/page$/, "sse-auto?events=3"));
      let n = 0;
      es.onmessage = () => { n++; document.getElementById("sse").textContent = "sse:" + n; if (n === 3) es.close(); };
      </script>
      <!-- The load event, after which --dump-dom reads the page, waits for this slow image. -->
      <img src="slow-headers?ms=2500"></body></html>
      """;

  private void sseAuto(HttpServerRequest req, int events) {
    HttpServerResponse res = req.response();
    res.setChunked(true).putHeader("content-type", "text/event-stream");
    int[] sent = {0};
    vertx.setPeriodic(20, 50, id -> {
      if (res.closed() || sent[0] == events) {
        vertx.cancelTimer(id);
        if (!res.closed()) {
          res.end();
        }
        return;
      }
      sent[0]++;
      res.write("data: " + sent[0] + "\n\n");
    });
  }

  private void webSocket(ServerWebSocket ws) {
    ws.textMessageHandler(text -> {
      bytesReceived.addAndGet(text.length());
      ws.writeTextMessage(text);
    });
    ws.binaryMessageHandler(bin -> {
      bytesReceived.addAndGet(bin.length());
      ws.writeBinaryMessage(bin);
    });
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
