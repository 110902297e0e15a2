package dev.passage.gateway.cli;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * A tiny backend for trying Passage on a fresh machine, so the README's first command works alone:
 * {@code /json}, {@code /echo} (POST echoes the body), {@code /events} (five SSE events a second
 * apart), {@code /download?bytes=N} (streamed zeros) and a WebSocket echo on any path.
 */
final class DemoUpstream {

  private DemoUpstream() {}

  static Future<HttpServer> start(Vertx vertx, String host, int port) {
    return vertx.createHttpServer()
        .webSocketHandler(ws -> ws.handler(ws::write))
        .requestHandler(req -> handle(vertx, req))
        .listen(port, host);
  }

  private static void handle(Vertx vertx, HttpServerRequest req) {
    HttpServerResponse res = req.response();
    String path = req.path();
    if (path.endsWith("/echo")) {
      res.putHeader("content-type", req.headers().get("content-type") == null ? "application/json" : req.getHeader("content-type"));
      res.setChunked(true);
      req.pipeTo(res);
    } else if (path.endsWith("/events")) {
      res.setChunked(true).putHeader("content-type", "text/event-stream");
      int[] n = {0};
      vertx.setPeriodic(0, 1000, id -> {
        if (res.closed() || ++n[0] > 5) {
          vertx.cancelTimer(id);
          if (!res.closed()) {
            res.end();
          }
          return;
        }
        res.write("data: {\"event\":" + n[0] + "}\n\n");
      });
    } else if (path.endsWith("/download")) {
      long total = Long.parseLong(req.getParam("bytes", "1048576"));
      res.putHeader("content-type", "application/octet-stream").putHeader("content-length", Long.toString(total));
      Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
      long[] sent = {0};
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (sent[0] < total && !res.writeQueueFull() && !res.closed()) {
          int len = (int) Math.min(chunk.length(), total - sent[0]);
          res.write(len == chunk.length() ? chunk.copy() : chunk.getBuffer(0, len));
          sent[0] += len;
        }
        if (sent[0] >= total) {
          res.end();
        } else if (!res.closed()) {
          res.drainHandler(v -> pump[0].run());
        }
      };
      pump[0].run();
    } else {
      res.putHeader("content-type", "application/json")
          .end("{\"service\":\"passage-demo\",\"path\":\"" + path.replace("\"", "") + "\",\"password\":\"hunter2\"}\n");
    }
  }
}
