package dev.passage.gateway.adversity;

import dev.passage.gateway.support.RawServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An upstream that misbehaves on request: the first path segment after {@code /b/} names what it
 * does. Raw sockets, so it can answer what no framework would.
 */
final class ChaosUpstream extends RawServer {

  /** Every behaviour, by the path segment that asks for it. */
  static final String[] BEHAVIOURS = {
      "ok", "slow-headers", "close-mid-headers", "close-mid-body", "reset", "never", "odd-te", "status-999",
      "early-hints", "chunked", "huge-header"};

  ChaosUpstream() throws IOException {
    super("chaos-upstream");
  }

  @Override
  protected void serve(Socket s) throws IOException, InterruptedException {
    InputStream in = s.getInputStream();
    OutputStream out = s.getOutputStream();
    while (true) {
      String head = readHead(in);
      if (head == null) {
        return;
      }
      skipBody(in, head);
      String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
      String behaviour = path.startsWith("/b/") ? path.substring(3).split("[/?]")[0] : "ok";
      if (!answer(behaviour, s, out)) {
        return;
      }
    }
  }

  /** Returns whether the connection stays usable. */
  private static boolean answer(String behaviour, Socket s, OutputStream out) throws IOException, InterruptedException {
    switch (behaviour) {
      case "slow-headers":
        Thread.sleep(200);
        write(out, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow");
        return true;
      case "close-mid-headers":
        write(out, "HTTP/1.1 200 OK\r\nContent-Le");
        return false;
      case "close-mid-body":
        write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
        return false;
      case "reset":
        s.setSoLinger(true, 0);
        return false;
      case "never":
        Thread.sleep(3000);
        return false;
      case "odd-te":
        write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nodd\r\n0\r\n\r\n");
        return true;
      case "status-999":
        write(out, "HTTP/1.1 999 Odd\r\nContent-Length: 3\r\n\r\nodd");
        return true;
      case "early-hints":
        write(out, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhints");
        return true;
      case "chunked":
        write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "7\r\n{\"a\":1}\r\n0\r\n\r\n");
        return true;
      case "huge-header":
        write(out, "HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(40_000) + "\r\nContent-Length: 2\r\n\r\nok");
        return true;
      default:
        write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
        return true;
    }
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      matched = (b == '\r' || b == '\n') ? (matched + 1) : 0;
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static void skipBody(InputStream in, String head) throws IOException {
    String lower = head.toLowerCase(Locale.ROOT);
    int at = lower.indexOf("\r\ncontent-length:");
    if (at >= 0) {
      int end = lower.indexOf("\r\n", at + 2);
      long n = Long.parseLong(lower.substring(at + 17, end).trim());
      in.readNBytes((int) n);
    } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
      while (true) {
        String size = line(in);
        if (size == null) {
          return;
        }
        int n = Integer.parseInt(size.split(";")[0].trim(), 16);
        if (n == 0) {
          String trailer;
          do {
            trailer = line(in);
          } while (trailer != null && !trailer.isEmpty());
          return;
        }
        in.readNBytes(n + 2);
      }
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return c < 0 ? null : b.toString();
  }

}
