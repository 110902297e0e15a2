package dev.passage.gateway.frontdoor;

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
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code server.expect_continue: upstream}: the expectation goes upstream and the upstream decides;
 * its 100 reaches the client, who then sends the body; a final status instead of 100 reaches the
 * client as it is, and the connection ends with it (the body the client may send is never read).
 */
class ExpectContinueRelayTest {

  @Test
  void theUpstreams100IsRelayedAndTheBodyFollowsIt() throws Exception {
    try (DecidingUpstream up = new DecidingUpstream();
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            server: { expect_continue: upstream }
            routes:
              - name: r
                match: { path_prefix: / }
                upstream: { targets: ["${U}"] }
            """, Map.of("U", "http://127.0.0.1:" + up.port()))) {
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        c.send("PUT /accept HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        RawResponse interim = c.read();
        assertEquals(100, interim.status(), "the upstream's 100, relayed: " + interim);
        RawResponse done = c.send("hello").read();
        assertEquals(200, done.status(), done.toString());
        assertEquals("got hello", done.bodyText());
      }
      assertTrue(up.heads.get(0).toLowerCase().contains("\r\nexpect: 100-continue\r\n"), up.heads.get(0));
    }
  }

  @Test
  void anUpstreamThatRefusesInsteadOfContinuingHasItsAnswerRelayed() throws Exception {
    try (RawServer up = new RawServer("refusing-upstream") {
          @Override
          protected void serve(Socket s) throws IOException {
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
              int b = in.read();
              if (b < 0) {
                return;
              }
              head.write(b);
            }
            s.getOutputStream().write(("HTTP/1.1 401 Unauthorized\r\nContent-Length: 7\r\n"
                + "WWW-Authenticate: Basic\r\n\r\nsign in").getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            in.read();
          }
        };
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            server: { expect_continue: upstream }
            routes:
              - name: r
                match: { path_prefix: / }
                upstream: { targets: ["${U}"] }
            """, Map.of("U", up.url()))) {
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        c.send("PUT /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        RawResponse r = c.read();
        assertEquals(401, r.status(), "the upstream's refusal, not a 502: " + r);
        assertEquals("sign in", r.bodyText());
        assertTrue(c.closedByPeer(2000), "the unread body must never be parsed as a request");
      }
      try (RawClient c = RawClient.connect(gw.gateway.port())) {
        c.send("GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(401, c.read().status(), "the gateway keeps serving");
      }
    }
  }

  /** Reads a head, answers 100, reads the 5-byte body, then answers 200 with it. */
  static final class DecidingUpstream extends RawServer {
    final List<String> heads = new CopyOnWriteArrayList<>();

    DecidingUpstream() throws IOException {
      super("deciding-upstream");
    }

    @Override
    protected void serve(Socket s) throws IOException {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          return;
        }
        head.write(b);
      }
      String text = head.toString(StandardCharsets.ISO_8859_1);
      heads.add(text);
      out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      byte[] body = in.readNBytes(5);
      String reply = "got " + new String(body, StandardCharsets.ISO_8859_1);
      out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + reply.length() + "\r\n\r\n" + reply)
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      in.read();
    }
  }
}
