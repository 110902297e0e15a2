package dev.passage.gateway.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One client connection on a plain socket: sends bytes exactly as given and reads responses one at
 * a time, so a test controls framing, pipelining and keep-alive itself. Reads time out after 5 s.
 */
public final class RawClient implements AutoCloseable {

  private static final int READ_TIMEOUT_MS = 5_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  public static RawClient connect(int port) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(READ_TIMEOUT_MS);
    s.setTcpNoDelay(true);
    return new RawClient(s);
  }

  /** Sends {@code latin1} with one byte per char. */
  public RawClient send(String latin1) throws IOException {
    return send(latin1.getBytes(StandardCharsets.ISO_8859_1));
  }

  public RawClient send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /**
   * Reads one response (an interim 1xx counts as one). The body is framed by Content-Length,
   * chunked, or the end of the connection when neither is given and the status allows a body.
   *
   * @return the response, or null when the peer closed the connection before sending a byte
   */
  public RawResponse read() throws IOException {
    String statusLine;
    try {
      statusLine = readLine(true);
    } catch (SocketException e) {
      return null; // reset before any byte: the peer closed without answering
    }
    if (statusLine == null) {
      return null;
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[1].matches("\\d{3}")) {
      throw new IOException("not a status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    String line;
    while (!(line = readLine(false)).isEmpty()) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw new IOException("not a header line: " + line);
      }
      headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1).trim()));
    }
    String reason = parts.length > 2 ? parts[2] : "";
    RawResponse head = new RawResponse(parts[0], status, reason, headers, new byte[0]);
    return new RawResponse(parts[0], status, reason, headers, readBody(head));
  }

  /**
   * Whether the peer closes the connection (end of stream or reset) within {@code millis} without
   * sending another byte; false when it is still open then, or when bytes arrive.
   */
  public boolean closedByPeer(long millis) throws IOException {
    int old = socket.getSoTimeout();
    socket.setSoTimeout((int) Math.max(1, millis));
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true; // connection reset
    } finally {
      if (!socket.isClosed()) {
        socket.setSoTimeout(old);
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** The body that follows {@code head}, by the framing its status and headers announce. */
  private byte[] readBody(RawResponse head) throws IOException {
    int status = head.status();
    if (status < 200 || status == 204 || status == 304) {
      return new byte[0];
    }
    String te = head.header("transfer-encoding");
    if (te != null && te.toLowerCase().endsWith("chunked")) {
      return readChunked();
    }
    String cl = head.header("content-length");
    if (cl != null) {
      int n = Integer.parseInt(cl.trim());
      byte[] body = in.readNBytes(n);
      if (body.length < n) {
        throw new EOFException("body ended after " + body.length + " of " + n + " bytes");
      }
      return body;
    }
    return readToEnd();
  }

  private byte[] readChunked() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = readLine(false);
      int semi = sizeLine.indexOf(';');
      int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
      if (size == 0) {
        while (!readLine(false).isEmpty()) {
          // trailer fields are not part of the body
        }
        return body.toByteArray();
      }
      byte[] chunk = in.readNBytes(size);
      if (chunk.length < size) {
        throw new EOFException("chunk ended after " + chunk.length + " of " + size + " bytes");
      }
      body.write(chunk);
      readLine(false);
    }
  }

  private byte[] readToEnd() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        body.write(buf, 0, n);
      }
    } catch (SocketException e) {
      // A reset after the body is still the end of a close-delimited body.
    }
    return body.toByteArray();
  }

  /** A line without its line end; null at end of stream before any byte when {@code eofIsNull}. */
  private String readLine(boolean eofIsNull) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (eofIsNull && line.size() == 0) {
          return null;
        }
        throw new EOFException("connection ended inside a line: " + line.toString(StandardCharsets.ISO_8859_1));
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
    }
  }
}
