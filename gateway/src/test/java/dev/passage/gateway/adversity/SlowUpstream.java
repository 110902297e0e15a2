package dev.passage.gateway.adversity;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Answers every request with {@code chunks} chunks of 1 KiB, {@code gapMs} apart; reads uploads slowly. */
final class SlowUpstream implements AutoCloseable {
  final ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));

  SlowUpstream(int chunks, long gapMs) throws Exception {
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          Thread c = new Thread(() -> serve(s, chunks, gapMs));
          c.setDaemon(true);
          c.start();
        } catch (Exception closed) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private static void serve(Socket s, int chunks, long gapMs) {
    try (s) {
      InputStream in = s.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          return;
        }
        head.append((char) b);
      }
      if (head.toString().startsWith("POST")) {
        // Never answers an upload: the client leaves first.
        while (in.read() >= 0) {
          Thread.sleep(10);
        }
        return;
      }
      OutputStream out = s.getOutputStream();
      out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
          + chunks * 1024 + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      byte[] chunk = new byte[1024];
      for (int i = 0; i < chunks; i++) {
        out.write(chunk);
        out.flush();
        Thread.sleep(gapMs);
      }
    } catch (Exception gone) {
      // the gateway went away
    }
  }

  @Override
  public void close() throws Exception {
    server.close();
  }
}
