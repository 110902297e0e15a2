package dev.passage.gateway.edge;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one request head (RFC 9112 sections 2 to 5) from a growing buffer, strictly: CRLF line
 * ends only, one SP between the request line's parts, token field names with no whitespace before
 * the colon, no obs-fold, no control bytes. Incremental: each call scans only the bytes that
 * arrived since the last, so a head trickled one byte at a time costs linear time. Limits are
 * checked on partial lines too, so an endless line is refused at the limit, not buffered.
 */
final class RequestHeadParser {

  /** Empty lines tolerated before a request line (RFC 9112 section 2.2: at least one). */
  private static final int MAX_LEADING_EMPTY_LINES = 8;

  private final EdgeLimits limits;
  private int lineStart;
  private int scanned;
  private int emptyLines;
  private int headerBytes;
  private String method;
  private String target;
  private String version;
  private final List<HeaderField> fields = new ArrayList<>();

  RequestHeadParser(EdgeLimits limits) {
    this.limits = limits;
  }

  /** Forgets the previous head; the next call starts at the buffer's reader index. */
  void reset() {
    lineStart = 0;
    scanned = 0;
    emptyLines = 0;
    headerBytes = 0;
    method = null;
    target = null;
    version = null;
    fields.clear();
  }

  /** Whether any byte of a request line arrived (leading empty lines do not count). */
  boolean started(ByteBuf buf) {
    return method != null || buf.writerIndex() - buf.readerIndex() > lineStart;
  }

  /**
   * Parses what {@code buf} holds from its reader index. Returns true once the head is complete,
   * with the reader index moved past it; false when more bytes are needed.
   */
  boolean parse(ByteBuf buf) {
    int base = buf.readerIndex();
    int end = buf.writerIndex();
    while (true) {
      int lf = buf.indexOf(base + scanned, end, (byte) '\n');
      if (lf < 0) {
        scanned = end - base;
        checkPartialLine(end - base - lineStart);
        return false;
      }
      int lineEnd = lf - base;
      scanned = lineEnd + 1;
      if (lineEnd == lineStart || buf.getByte(lf - 1) != '\r') {
        throw new RequestRefused(version == null ? RefusalReason.BAD_REQUEST_LINE : RefusalReason.BAD_HEADER);
      }
      int length = lineEnd - 1 - lineStart;
      if (version == null) {
        if (length == 0) {
          if (++emptyLines > MAX_LEADING_EMPTY_LINES) {
            throw new RequestRefused(RefusalReason.BAD_REQUEST_LINE);
          }
        } else if (length > limits.maxRequestLineBytes()) {
          throw new RequestRefused(RefusalReason.REQUEST_LINE_TOO_LONG);
        } else {
          requestLine(buf.toString(base + lineStart, length, StandardCharsets.ISO_8859_1));
        }
      } else if (length == 0) {
        buf.readerIndex(base + scanned);
        return true;
      } else {
        headerBytes += length + 2;
        if (headerBytes > limits.maxHeaderBytes()) {
          throw new RequestRefused(RefusalReason.HEADERS_TOO_LARGE);
        }
        if (fields.size() >= limits.maxHeaderCount()) {
          throw new RequestRefused(RefusalReason.TOO_MANY_HEADERS);
        }
        fields.add(HeaderField.parse(buf.toString(base + lineStart, length, StandardCharsets.ISO_8859_1)));
      }
      lineStart = scanned;
    }
  }

  private void checkPartialLine(int partial) {
    if (version == null && partial > limits.maxRequestLineBytes() + 1) {
      throw new RequestRefused(RefusalReason.REQUEST_LINE_TOO_LONG);
    }
    if (version != null && headerBytes + partial > limits.maxHeaderBytes()) {
      throw new RequestRefused(RefusalReason.HEADERS_TOO_LARGE);
    }
  }

  private void requestLine(String line) {
    int sp1 = line.indexOf(' ');
    int sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 > 0) {
      method = line.substring(0, sp1);
    }
    if (sp2 > sp1 + 1) {
      target = line.substring(sp1 + 1, sp2);
    }
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        throw new RequestRefused(RefusalReason.BAD_REQUEST_LINE);
      }
    }
    if (sp1 <= 0 || sp2 <= sp1 + 1 || sp2 == line.length() - 1 || line.indexOf(' ', sp2 + 1) >= 0
        || !HttpSyntax.isToken(method)) {
      throw new RequestRefused(RefusalReason.BAD_REQUEST_LINE);
    }
    String v = line.substring(sp2 + 1);
    if (!v.equals("HTTP/1.1") && !v.equals("HTTP/1.0")) {
      if (!v.regionMatches(true, 0, "HTTP/", 0, 5)) {
        throw new RequestRefused(RefusalReason.BAD_REQUEST_LINE);
      }
      boolean preface = method.equals("PRI") && target.equals("*") && v.equals("HTTP/2.0");
      throw new RequestRefused(preface ? RefusalReason.HTTP2_PREFACE : RefusalReason.UNSUPPORTED_VERSION);
    }
    version = v;
  }

  String method() {
    return method;
  }

  String target() {
    return target;
  }

  String version() {
    return version;
  }

  List<HeaderField> fields() {
    return fields;
  }
}
