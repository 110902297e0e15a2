package dev.passage.gateway.adversity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RawResponse;
import dev.passage.gateway.support.RawServer;
import dev.passage.gateway.support.RunningGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive race: the upstream closes a pooled connection just as the next request goes out
 * on it. A bodiless idempotent request is sent again on another connection (as nginx and Go do),
 * counted; a request with a body is not, since part of it may have been consumed.
 */
class KeepAliveRaceTest {

  @Test
  void aBodilessIdempotentRequestIsRetriedOnceAndABodyIsNot() throws Exception {
    try (OneRequestPerConnection upstream = new OneRequestPerConnection();
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            routes:
              - name: r
                match: { path_prefix: / }
                upstream: { targets: ["${U}"], max_connections: 1 }
            """, Map.of("U", "http://127.0.0.1:" + upstream.port()))) {
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        assertEquals(200, c.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n").read().status());
        // The one pooled connection is now one the upstream will close on its next request.
        RawResponse second = c.send("GET /second HTTP/1.1\r\nHost: h\r\n\r\n").read();
        assertEquals(200, second.status(), "retried on a new connection: " + second);
        assertEquals(1, metric(gw, "passage_upstream_retries_total"));
        RawResponse post = c.send("POST /third HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi").read();
        assertEquals(502, post.status(), "a request with a body is not sent twice: " + post);
        assertEquals(1, metric(gw, "passage_upstream_retries_total"));
      }
      assertTrue(upstream.connections.get() >= 2);
    }
  }

  private static double metric(RunningGateway gw, String name) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*\\}\\s+(\\S+)$").matcher(r.body());
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  /** Answers the first request of each connection keep-alive, then closes when the next one arrives. */
  static final class OneRequestPerConnection extends RawServer {
    final AtomicInteger connections = new AtomicInteger();

    OneRequestPerConnection() throws IOException {
      super("stale-upstream");
    }

    @Override
    protected void serve(Socket s) throws IOException {
      connections.incrementAndGet();
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      readHead(in);
      out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      // The next request's first bytes: close without an answer, as an idle timeout would.
      in.read();
    }

    private static void readHead(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("closed");
        }
        head.write(b);
      }
    }

  }
}
