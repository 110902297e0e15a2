package dev.passage.gateway.frontdoor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.LeakCheckExtension;
import dev.passage.gateway.support.PatternBytes;
import dev.passage.gateway.support.RunningGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** HTTP/1.0 clients: a response of unknown length reaches them streamed and close-delimited, never buffered, never 505. */
@ExtendWith(LeakCheckExtension.class)
class Http10Test {

  static final int BODY_BYTES = 3 * 1024 * 1024;
  static final int CHUNK = 64 * 1024;

  @Test
  void aChunkedUpstreamResponseIsStreamedToAnHttp10ClientCloseDelimited() throws Exception {
    byte[] body = new PatternBytes().next(BODY_BYTES);
    CountDownLatch firstByteRead = new CountDownLatch(1);
    AtomicBoolean lastChunkSent = new AtomicBoolean();
    try (ServerSocket upstream = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
      Thread server = new Thread(() -> serveChunked(upstream, body, firstByteRead, lastChunkSent), "http10-upstream");
      server.setDaemon(true);
      server.start();
      try (RunningGateway gw = RunningGateway.start("""
          listen: 127.0.0.1:0
          routes:
            - { name: all, match: { path_prefix: / }, upstream: { targets: ["http://127.0.0.1:${P}"] } }
          """, Map.of("P", Integer.toString(upstream.getLocalPort())));
          Socket client = new Socket("127.0.0.1", gw.gateway.port())) {
        client.setSoTimeout(10_000);
        client.getOutputStream().write(WireBytes.latin1("GET /x HTTP/1.0\r\n\r\n"));
        client.getOutputStream().flush();
        InputStream in = client.getInputStream();
        String head;
        int first;
        try {
          head = WireBytes.readHead(in);
          first = in.read();
        } catch (SocketTimeoutException e) {
          throw new AssertionError("no response head and body byte within 10 s while the upstream holds back its"
              + " last chunk: the gateway waits for the whole body", e);
        }
        boolean lastChunkAlreadySent = lastChunkSent.get();
        firstByteRead.countDown();

        assertTrue(head.matches("(?s)HTTP/1\\.[01] 200 .*"), head);
        assertTrue(WireBytes.fieldValues(head, "content-length").isEmpty(), "length unknown, so none: " + head);
        assertTrue(WireBytes.fieldValues(head, "transfer-encoding").isEmpty(), "an HTTP/1.0 client cannot read chunks: " + head);
        assertTrue(first >= 0, "the body ended before its first byte");
        assertFalse(lastChunkAlreadySent,
            "the first body byte reached the client only after the upstream sent its last chunk: the gateway buffered");

        ByteArrayOutputStream got = new ByteArrayOutputStream(BODY_BYTES);
        got.write(first);
        byte[] buf = new byte[CHUNK];
        int n;
        while ((n = in.read(buf)) >= 0) { // the close delimits the body; a kept-alive connection times out here
          got.write(buf, 0, n);
        }
        assertEquals(BODY_BYTES, got.size(), "body length");
        assertArrayEquals(body, got.toByteArray(), "body bytes");
      }
    }
  }

  /** Answers one request with a chunked 3 MiB body whose last chunk waits until the client has read a body byte. */
  private static void serveChunked(ServerSocket upstream, byte[] body, CountDownLatch release, AtomicBoolean lastSent) {
    try (Socket s = upstream.accept()) {
      WireBytes.readHead(s.getInputStream());
      OutputStream out = s.getOutputStream();
      out.write(WireBytes.latin1("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"));
      for (int off = 0; off < body.length; off += CHUNK) {
        int len = Math.min(CHUNK, body.length - off);
        if (off + len == body.length) {
          out.flush();
          if (!release.await(30, TimeUnit.SECONDS)) {
            return;
          }
          lastSent.set(true);
        }
        out.write(WireBytes.latin1(Integer.toHexString(len) + "\r\n"));
        out.write(body, off, len);
        out.write(WireBytes.latin1("\r\n"));
      }
      out.write(WireBytes.latin1("0\r\n\r\n"));
      out.flush();
      s.getInputStream().read(); // hold the connection until the gateway closes or reuses it
    } catch (IOException | InterruptedException e) {
      // the gateway went away; the test's own assertions report what it saw
    }
  }
}
