package dev.passage.gateway.frontdoor;

import static dev.passage.gateway.frontdoor.WireBytes.indexOf;
import static dev.passage.gateway.frontdoor.WireBytes.latin1;
import static dev.passage.gateway.frontdoor.WireBytes.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The responses in the bytes a client read off one connection, split by their own framing. */
final class ResponseStream {

  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3})(?: [^\\r\\n]*)?");
  private static final byte[] CRLF = latin1("\r\n");

  final List<Integer> statuses = new ArrayList<>();
  /** Why the bytes are not HTTP/1.x responses, or null. */
  String malformed;
  /** The connection closed inside a response. */
  boolean truncated;
  /** At least one final response, and the bytes end exactly where the last one does. */
  boolean completeAtEnd;

  static ResponseStream parse(byte[] b, boolean closed) {
    ResponseStream r = new ResponseStream();
    int pos = 0;
    boolean sawFinal = false;
    while (pos < b.length) {
      if (b.length - pos >= 9 && !text(Arrays.copyOfRange(b, pos, pos + 9)).matches("HTTP/1\\.[01] ")) {
        r.malformed = "no status line at byte " + pos;
        return r;
      }
      int headEnd = indexOf(b, latin1("\r\n\r\n"), pos);
      if (headEnd < 0) {
        r.truncated = closed;
        return r;
      }
      String head = text(Arrays.copyOfRange(b, pos, headEnd));
      Matcher m = STATUS_LINE.matcher(head.split("\r\n", 2)[0]);
      if (!m.matches()) {
        r.malformed = "bad status line at byte " + pos;
        return r;
      }
      int status = Integer.parseInt(m.group(1));
      r.statuses.add(status);
      pos = headEnd + 4;
      long bodyEnd = bodyEnd(b, pos, status, head, closed);
      if (bodyEnd == -2) {
        r.malformed = "bad chunked framing in the response at byte " + pos;
        return r;
      }
      if (bodyEnd < 0) {
        r.truncated = closed;
        return r;
      }
      pos = (int) bodyEnd;
      sawFinal |= status >= 200;
    }
    r.completeAtEnd = sawFinal;
    return r;
  }

  /** Where the body that starts at {@code pos} ends; -1 if not all there yet, -2 if its chunked framing is broken. */
  private static long bodyEnd(byte[] b, int pos, int status, String head, boolean closed) {
    if (status < 200 || status == 204 || status == 304) {
      return pos;
    }
    boolean chunked = WireBytes.fieldValues(head, "transfer-encoding").stream()
        .anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("chunked"));
    if (chunked) {
      return chunkedEnd(b, pos);
    }
    List<String> length = WireBytes.fieldValues(head, "content-length");
    if (!length.isEmpty()) {
      long end = pos + Long.parseLong(length.get(0));
      return end <= b.length ? end : -1;
    }
    return closed ? b.length : -1; // close-delimited
  }

  private static long chunkedEnd(byte[] b, int pos) {
    while (true) {
      int eol = indexOf(b, CRLF, pos);
      if (eol < 0) {
        return -1;
      }
      String line = text(Arrays.copyOfRange(b, pos, eol));
      int semi = line.indexOf(';');
      long size;
      try {
        size = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
      } catch (NumberFormatException e) {
        return -2;
      }
      pos = eol + 2;
      if (size == 0) {
        while (true) {
          int end = indexOf(b, CRLF, pos);
          if (end < 0) {
            return -1;
          }
          if (end == pos) {
            return end + 2;
          }
          pos = end + 2;
        }
      }
      if (pos + size + 2 > b.length) {
        return -1;
      }
      pos += (int) size + 2;
    }
  }
}
