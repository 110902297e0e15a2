package dev.passage.gateway.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Speaks HTTP/1.1 over a plain socket, for requests a well-behaved client library will not send. */
public final class RawHttp {

  private RawHttp() {}

  /** Sends {@code request} verbatim and returns the response head and body as text (reads until close or content-length). */
  public static String exchange(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      byte[] b = new byte[8192];
      int headEnd = -1;
      long contentLength = -1;
      while (true) {
        int n = in.read(b);
        if (n < 0) {
          break;
        }
        buf.write(b, 0, n);
        String text = buf.toString(StandardCharsets.ISO_8859_1);
        if (headEnd < 0) {
          headEnd = text.indexOf("\r\n\r\n");
          if (headEnd >= 0) {
            for (String line : text.substring(0, headEnd).split("\r\n")) {
              if (line.toLowerCase().startsWith("content-length:")) {
                contentLength = Long.parseLong(line.substring(15).trim());
              }
            }
          }
        }
        if (headEnd >= 0 && contentLength >= 0 && buf.size() >= headEnd + 4 + contentLength) {
          break;
        }
      }
      return buf.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
