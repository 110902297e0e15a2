package dev.passage.gateway.adversity;

import dev.passage.gateway.support.RawServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Answers every request with {@code chunks} chunks of 1 KiB, {@code gapMs} apart; reads uploads slowly. */
final class SlowUpstream extends RawServer {

  private final int chunks;
  private final long gapMs;

  SlowUpstream(int chunks, long gapMs) throws Exception {
    super("slow-upstream");
    this.chunks = chunks;
    this.gapMs = gapMs;
  }

  @Override
  protected void serve(Socket s) throws Exception {
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
  }
}
