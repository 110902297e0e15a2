package dev.passage.gateway.frontdoor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reading HTTP/1.1 messages as bytes, for assertions on exactly what crossed the wire. */
final class WireBytes {

  private WireBytes() {}

  static byte[] latin1(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /** Printable ASCII as is, everything else as {@code \r \n \t \xNN}, so a failing case can be replayed. */
  static String escape(byte[] b, int max) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < Math.min(b.length, max); i++) {
      int c = b[i] & 0xff;
      if (c == '\r') {
        s.append("\\r");
      } else if (c == '\n') {
        s.append("\\n");
      } else if (c == '\t') {
        s.append("\\t");
      } else if (c == '\\') {
        s.append("\\\\");
      } else if (c >= 0x20 && c < 0x7f) {
        s.append((char) c);
      } else {
        s.append(String.format("\\x%02X", c));
      }
    }
    if (b.length > max) {
      s.append("...(").append(b.length).append(" bytes)");
    }
    return s.toString();
  }

  static int indexOf(byte[] b, byte[] what, int from) {
    outer:
    for (int i = Math.max(0, from); i <= b.length - what.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (b[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** The head of a message (request or status line plus fields), without the final CRLFCRLF; whole input if none. */
  static String head(byte[] message) {
    int end = indexOf(message, latin1("\r\n\r\n"), 0);
    return text(end < 0 ? message : java.util.Arrays.copyOf(message, end));
  }

  /** Every value of field {@code name} in {@code head}, leading and trailing OWS (SP, HTAB) removed, nothing else changed. */
  static List<String> fieldValues(String head, String name) {
    List<String> out = new ArrayList<>();
    String[] lines = head.split("\r\n", -1);
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0 && lines[i].substring(0, colon).equalsIgnoreCase(name)) {
        out.add(trimOws(lines[i].substring(colon + 1)));
      }
    }
    return out;
  }

  static String trimOws(String v) {
    int a = 0;
    int z = v.length();
    while (a < z && (v.charAt(a) == ' ' || v.charAt(a) == '\t')) {
      a++;
    }
    while (z > a && (v.charAt(z - 1) == ' ' || v.charAt(z - 1) == '\t')) {
      z--;
    }
    return v.substring(a, z);
  }

  /** The body of one complete request as an upstream received it, de-chunked if it was chunked. */
  static byte[] body(byte[] message) {
    int end = indexOf(message, latin1("\r\n\r\n"), 0);
    if (end < 0) {
      return new byte[0];
    }
    String head = text(java.util.Arrays.copyOf(message, end));
    int pos = end + 4;
    boolean chunked = fieldValues(head, "transfer-encoding").stream()
        .anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("chunked"));
    if (!chunked) {
      return java.util.Arrays.copyOfRange(message, pos, message.length);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (pos < message.length) {
      int eol = indexOf(message, latin1("\r\n"), pos);
      String size = text(java.util.Arrays.copyOfRange(message, pos, eol));
      int semi = size.indexOf(';');
      int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
      pos = eol + 2;
      if (n == 0) {
        break;
      }
      out.write(message, pos, n);
      pos += n + 2;
    }
    return out.toByteArray();
  }

  /** Sends {@code request} on a new connection and returns the response head (up to, without, CRLFCRLF). */
  static String responseHead(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(latin1(request));
      out.flush();
      return readHead(s.getInputStream());
    }
  }

  /** Reads byte by byte up to and including CRLFCRLF (so nothing after the head is consumed); returns the head without it. */
  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      byte[] sofar = b.toByteArray();
      int n = sofar.length;
      if (n >= 4 && sofar[n - 4] == '\r' && sofar[n - 3] == '\n' && sofar[n - 2] == '\r' && sofar[n - 1] == '\n') {
        return text(java.util.Arrays.copyOf(sofar, n - 4));
      }
    }
    throw new IOException("connection closed before the end of the response head: " + escape(b.toByteArray(), 400));
  }
}
