package dev.passage.gateway.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * An HTTP/1.1 upstream on a plain socket that records the exact bytes of every whole request it
 * receives, so a test can see precisely what the gateway forwarded (and that it forwarded nothing).
 *
 * <p>Each request is framed as the RFC says (head up to the empty line, then a body by
 * Content-Length or chunked, none otherwise) and answered {@code 200 text/plain "upstream saw <n>"},
 * n being {@link #requestCount()} after recording it. Connections are kept alive. A request the
 * gateway starts but never finishes (it resets the upstream request) is not recorded; while its
 * bytes are pending it shows in {@link #partialRequests()}.
 */
public final class RecordingUpstream implements AutoCloseable {

  private final ServerSocket server;
  private final Function<byte[], byte[]> responder;
  private final List<byte[]> requests = new ArrayList<>();
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private int partial;

  private RecordingUpstream(ServerSocket server, Function<byte[], byte[]> responder) {
    this.server = server;
    this.responder = responder;
  }

  /** Answers every request {@code 200 "upstream saw <n>"}. */
  public static RecordingUpstream start() throws IOException {
    return start(null);
  }

  /**
   * Answers every request with the raw bytes {@code responder} returns for the raw request. When
   * that response has neither Content-Length nor chunked framing the connection is closed after it.
   */
  public static RecordingUpstream start(Function<byte[], byte[]> responder) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    RecordingUpstream up = new RecordingUpstream(server, responder);
    daemon("recording-upstream-accept", up::acceptLoop).start();
    return up;
  }

  public int port() {
    return server.getLocalPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  /** The whole requests received since start or {@link #clear()}, oldest first, each as the exact bytes. */
  public synchronized List<byte[]> requests() {
    return List.copyOf(requests);
  }

  public synchronized int requestCount() {
    return requests.size();
  }

  public synchronized void clear() {
    requests.clear();
  }

  /** Requests whose first bytes arrived but whose end has not, on connections still open. */
  public synchronized int partialRequests() {
    return partial;
  }

  /** Waits until at least {@code n} whole requests are recorded; false on timeout. */
  public synchronized boolean awaitRequests(int n, long millis) throws InterruptedException {
    long end = System.currentTimeMillis() + millis;
    while (requests.size() < n) {
      long left = end - System.currentTimeMillis();
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }

  /** Waits until no connection holds a started but unfinished request; false on timeout. */
  public synchronized boolean awaitNoPartialRequests(long millis) throws InterruptedException {
    long end = System.currentTimeMillis() + millis;
    while (partial > 0) {
      long left = end - System.currentTimeMillis();
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }

  public static String text(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /** The decoded body of one recorded request (chunked framing removed); empty when it has none. */
  public static byte[] body(byte[] request) {
    try {
      return new RequestReader(new java.io.ByteArrayInputStream(request)).readBody();
    } catch (IOException e) {
      throw new IllegalArgumentException("not a whole HTTP/1.1 request: " + text(request), e);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // Closing is best effort; the accept thread ends either way.
    }
    for (Socket s : connections) {
      closeQuietly(s);
    }
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        connections.add(s);
        daemon("recording-upstream-conn", () -> serve(s)).start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (true) {
        in.mark(1);
        if (in.read() < 0) {
          return; // closed between requests
        }
        in.reset();
        RequestReader reader = new RequestReader(in);
        started();
        byte[] raw;
        try {
          reader.readBody();
          raw = reader.raw.toByteArray();
        } finally {
          finished();
        }
        int n = record(raw);
        byte[] response = responder == null ? defaultResponse(n) : responder.apply(raw);
        out.write(response);
        out.flush();
        if (reader.connectionClose || (responder != null && !isFramed(response))) {
          return;
        }
      }
    } catch (IOException e) {
      // The gateway reset or closed the connection, possibly mid-request: nothing to record.
    } finally {
      connections.remove(s);
    }
  }

  private synchronized void started() {
    partial++;
  }

  private synchronized void finished() {
    partial--;
    notifyAll();
  }

  private synchronized int record(byte[] raw) {
    requests.add(raw);
    notifyAll();
    return requests.size();
  }

  private static byte[] defaultResponse(int n) {
    String body = "upstream saw " + n;
    return ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Whether a raw response delimits its own end (Content-Length or chunked), so the connection can be reused. */
  private static boolean isFramed(byte[] response) {
    String text = text(response);
    int end = text.indexOf("\r\n\r\n");
    String head = (end < 0 ? text : text.substring(0, end)).toLowerCase(Locale.ROOT);
    for (String line : head.split("\r\n")) {
      if (line.startsWith("content-length:")
          || (line.startsWith("transfer-encoding:") && line.trim().endsWith("chunked"))) {
        return true;
      }
    }
    return false;
  }

  private static Thread daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Already gone.
    }
  }

  /** Frames one request off a stream, keeping every byte it consumed in {@link #raw}. */
  private static final class RequestReader {

    final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    final InputStream in;
    long contentLength = -1;
    boolean chunked;
    boolean connectionClose;

    RequestReader(InputStream in) {
      this.in = in;
    }

    /** Reads head and body; returns the decoded body. */
    byte[] readBody() throws IOException {
      readHead();
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      if (chunked) {
        readChunks(body);
      } else if (contentLength > 0) {
        body.write(readExactly(contentLength));
      }
      return body.toByteArray();
    }

    private void readHead() throws IOException {
      readLine(); // request line
      String line;
      while (!(line = readLine()).isEmpty()) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
        switch (name) {
          case "content-length" -> contentLength = parseLength(value);
          case "transfer-encoding" -> chunked = value.endsWith("chunked");
          case "connection" -> connectionClose |= value.contains("close");
          default -> { }
        }
      }
    }

    private void readChunks(ByteArrayOutputStream body) throws IOException {
      while (true) {
        String sizeLine = readLine();
        int semi = sizeLine.indexOf(';');
        long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
        if (size == 0) {
          while (!readLine().isEmpty()) {
            // trailer fields: kept in raw, not part of the body
          }
          return;
        }
        body.write(readExactly(size));
        readLine();
      }
    }

    private static long parseLength(String value) {
      try {
        return Long.parseLong(value.split(",")[0].trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    /** One line without its CRLF (or bare LF). */
    private String readLine() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("connection ended inside a line");
        }
        raw.write(b);
        if (b == '\n') {
          byte[] bytes = line.toByteArray();
          int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
          return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
        }
        line.write(b);
      }
    }

    private byte[] readExactly(long n) throws IOException {
      byte[] out = in.readNBytes(Math.toIntExact(n));
      raw.write(out);
      if (out.length < n) {
        throw new EOFException("connection ended inside a body: " + out.length + " of " + n + " bytes");
      }
      return out;
    }
  }
}
