package dev.passage.gateway.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Validates a chunked request body as it streams (RFC 9112 section 7.1) and re-frames it for the
 * engine: each run of data becomes one chunk, extensions are checked and dropped, trailer fields
 * are checked (same rules and budget as header fields) and dropped. Data is passed as retained
 * slices of the received buffers, never copied. Any framing error is a {@link RequestRefused}.
 */
final class ChunkedBodyReader {

  private enum State { SIZE_LINE, DATA, DATA_CR, DATA_LF, TRAILER_LINE, DONE }

  private static final int MAX_HEX_DIGITS = 16;

  private final EdgeLimits limits;
  private final StringBuilder line = new StringBuilder(32);
  private State state = State.SIZE_LINE;
  private long remaining;
  private long dataBytes;
  private int trailerBytes;

  ChunkedBodyReader(EdgeLimits limits) {
    this.limits = limits;
  }

  void reset() {
    state = State.SIZE_LINE;
    line.setLength(0);
    remaining = 0;
    dataBytes = 0;
    trailerBytes = 0;
  }

  boolean done() {
    return state == State.DONE;
  }

  /** Body data bytes read so far. */
  long dataBytes() {
    return dataBytes;
  }

  /**
   * Consumes bytes of {@code in} up to the end of the body; returns what the engine should read
   * (null when nothing yet). Bytes after the body's end stay in {@code in}.
   */
  ByteBuf read(ByteBuf in, ByteBufAllocator alloc) {
    CompositeByteBuf out = alloc.compositeBuffer();
    try {
      readInto(in, alloc, out);
    } catch (RequestRefused refused) {
      out.release();
      throw refused;
    }
    if (out.numComponents() == 0) {
      out.release();
      return null;
    }
    return out;
  }

  private void readInto(ByteBuf in, ByteBufAllocator alloc, CompositeByteBuf out) {
    while (in.isReadable() && state != State.DONE) {
      switch (state) {
        case DATA: {
          int n = (int) Math.min(remaining, in.readableBytes());
          out.addComponent(true, ascii(alloc, Integer.toHexString(n) + "\r\n"));
          out.addComponent(true, in.readRetainedSlice(n));
          out.addComponent(true, ascii(alloc, "\r\n"));
          remaining -= n;
          dataBytes += n;
          if (remaining == 0) {
            state = State.DATA_CR;
          }
          break;
        }
        case DATA_CR:
          expect(in.readByte(), '\r');
          state = State.DATA_LF;
          break;
        case DATA_LF:
          expect(in.readByte(), '\n');
          state = State.SIZE_LINE;
          break;
        default:
          lineByte(in.readByte());
      }
    }
    if (state == State.DONE) {
      out.addComponent(true, ascii(alloc, "0\r\n\r\n"));
    }
  }

  private void lineByte(byte b) {
    if (b != '\n') {
      line.append((char) (b & 0xff));
      int limit = state == State.SIZE_LINE ? limits.maxChunkLineBytes() : limits.maxHeaderBytes() - trailerBytes;
      if (line.length() > limit + 1) {
        throw new RequestRefused(RefusalReason.BAD_CHUNK);
      }
      return;
    }
    int n = line.length();
    if (n == 0 || line.charAt(n - 1) != '\r') {
      throw new RequestRefused(RefusalReason.BAD_CHUNK);
    }
    String content = line.substring(0, n - 1);
    line.setLength(0);
    if (state == State.SIZE_LINE) {
      sizeLine(content);
    } else if (content.isEmpty()) {
      state = State.DONE;
    } else {
      trailerBytes += content.length() + 2;
      try {
        HeaderField.parse(content);
      } catch (RequestRefused badField) {
        throw new RequestRefused(RefusalReason.BAD_CHUNK);
      }
    }
  }

  private void sizeLine(String s) {
    int i = 0;
    long size = 0;
    while (i < s.length() && HttpSyntax.hexValue(s.charAt(i)) >= 0) {
      if (i == MAX_HEX_DIGITS || size > (Long.MAX_VALUE >> 4)) {
        throw new RequestRefused(RefusalReason.BAD_CHUNK);
      }
      size = (size << 4) | HttpSyntax.hexValue(s.charAt(i));
      i++;
    }
    if (i == 0) {
      throw new RequestRefused(RefusalReason.BAD_CHUNK);
    }
    extensions(s, i);
    if (size == 0) {
      state = State.TRAILER_LINE;
    } else {
      remaining = size;
      state = State.DATA;
    }
  }

  /** {@code *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )} to the line's end. */
  private static void extensions(String s, int i) {
    int n = s.length();
    while (i < n) {
      i = whitespace(s, i);
      if (i == n || s.charAt(i) != ';') {
        throw new RequestRefused(RefusalReason.BAD_CHUNK);
      }
      i = whitespace(s, i + 1);
      int nameEnd = token(s, i);
      if (nameEnd == i) {
        throw new RequestRefused(RefusalReason.BAD_CHUNK);
      }
      i = whitespace(s, nameEnd);
      if (i < n && s.charAt(i) == '=') {
        i = whitespace(s, i + 1);
        i = i < n && s.charAt(i) == '"' ? quoted(s, i) : nonEmptyToken(s, i);
        i = i == n ? n : whitespaceBeforeSemicolon(s, i);
      } else if (i < n && s.charAt(i) != ';') {
        throw new RequestRefused(RefusalReason.BAD_CHUNK);
      }
    }
  }

  private static int whitespaceBeforeSemicolon(String s, int i) {
    int j = whitespace(s, i);
    if (j < s.length() && s.charAt(j) != ';') {
      throw new RequestRefused(RefusalReason.BAD_CHUNK);
    }
    if (j == s.length() && j != i) {
      throw new RequestRefused(RefusalReason.BAD_CHUNK);
    }
    return j;
  }

  private static int whitespace(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  private static int token(String s, int i) {
    while (i < s.length() && HttpSyntax.isTchar(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int nonEmptyToken(String s, int i) {
    int end = token(s, i);
    if (end == i) {
      throw new RequestRefused(RefusalReason.BAD_CHUNK);
    }
    return end;
  }

  private static int quoted(String s, int i) {
    for (int j = i + 1; j < s.length(); j++) {
      char c = s.charAt(j);
      if (c == '"') {
        return j + 1;
      }
      if (c == '\\') {
        j++;
        if (j == s.length() || !HttpSyntax.isFieldValueByte(s.charAt(j))) {
          throw new RequestRefused(RefusalReason.BAD_CHUNK);
        }
      } else if (!HttpSyntax.isFieldValueByte(c)) {
        throw new RequestRefused(RefusalReason.BAD_CHUNK);
      }
    }
    throw new RequestRefused(RefusalReason.BAD_CHUNK);
  }

  private static void expect(byte actual, char wanted) {
    if (actual != wanted) {
      throw new RequestRefused(RefusalReason.BAD_CHUNK);
    }
  }

  private static ByteBuf ascii(ByteBufAllocator alloc, String s) {
    ByteBuf b = alloc.buffer(s.length());
    b.writeCharSequence(s, StandardCharsets.ISO_8859_1);
    return b;
  }
}
