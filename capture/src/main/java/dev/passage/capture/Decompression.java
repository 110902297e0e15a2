package dev.passage.capture;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Bounded decoding of a kept body prefix. Output stops at a fixed cap, so a small compressed body
 * that expands to gigabytes (a decompression bomb) costs at most the cap in heap.
 */
final class Decompression {

  /**
   * @param bytes  decoded bytes; only the first {@code length} are content
   * @param cut    true when decoding stopped early: output reached the cap, or the input ended or
   *               broke before the compressed stream did
   * @param from   "gzip", "deflate" or "br" when decoded; null when {@code bytes} is the input
   * @param opaque true when the input could not be decoded at all (unknown encoding, no Brotli)
   */
  record Decoded(byte[] bytes, int length, boolean cut, String from, boolean opaque) {}

  private Decompression() {}

  static Decoded decode(String contentEncoding, byte[] in, int length, int maxBytes) {
    String encoding = contentEncoding == null ? "identity" : contentEncoding.trim().toLowerCase(Locale.ROOT);
    switch (encoding) {
      case "", "identity":
        return new Decoded(in, Math.min(length, maxBytes), length > maxBytes, null, false);
      case "gzip", "x-gzip":
        return read(() -> new GZIPInputStream(source(in, length)), "gzip", length, maxBytes);
      case "deflate":
        return deflate(in, length, maxBytes);
      case "br":
        return BrotliDecoding.available() ? brotli(in, length, maxBytes) : opaque(in, length);
      default:
        // Unknown codings, and lists such as "gzip, br", are kept as the wire bytes.
        return opaque(in, length);
    }
  }

  static boolean brotliAvailable() {
    return BrotliDecoding.available();
  }

  private static Decoded deflate(byte[] in, int length, int maxBytes) {
    // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate; like browsers, try
    // the wrapper when the header says so and fall back to raw when it yields nothing.
    if (hasZlibHeader(in, length)) {
      Decoded zlib = inflate(in, length, maxBytes, false);
      if (zlib.length() > 0 || !zlib.cut()) {
        return zlib;
      }
    }
    return inflate(in, length, maxBytes, true);
  }

  private static Decoded inflate(byte[] in, int length, int maxBytes, boolean raw) {
    Inflater inflater = new Inflater(raw);
    try {
      return read(() -> new InflaterInputStream(source(in, length), inflater), "deflate", length, maxBytes);
    } finally {
      inflater.end(); // InflaterInputStream does not end an inflater it was given
    }
  }

  private static boolean hasZlibHeader(byte[] in, int length) {
    return length >= 2 && (in[0] & 0x0F) == 8 && (((in[0] & 0xFF) << 8) | (in[1] & 0xFF)) % 31 == 0;
  }

  private static Decoded brotli(byte[] in, int length, int maxBytes) {
    BoundedOutput out = new BoundedOutput(maxBytes, length * 4L);
    boolean complete;
    try {
      complete = BrotliDecoding.decode(in, length, out);
    } catch (IOException | RuntimeException broken) {
      complete = false;
    }
    return new Decoded(out.bytes(), out.length(), !complete, "br", false);
  }

  private static Decoded read(StreamOpener opener, String from, int inputLength, int maxBytes) {
    BoundedOutput out = new BoundedOutput(maxBytes, inputLength * 4L);
    boolean cut;
    try (InputStream stream = opener.open()) {
      out.readFrom(stream);
      cut = out.overflowed();
    } catch (IOException | RuntimeException brokenOrCut) {
      cut = true; // a truncated prefix or corrupt tail: keep what decoded before it
    }
    return new Decoded(out.bytes(), out.length(), cut, from, false);
  }

  private static Decoded opaque(byte[] in, int length) {
    return new Decoded(in, length, false, null, true);
  }

  private static InputStream source(byte[] in, int length) {
    return new ByteArrayInputStream(in, 0, length);
  }

  @FunctionalInterface
  private interface StreamOpener {
    InputStream open() throws IOException;
  }
}
