package dev.passage.capture;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A growable byte array that refuses to grow past a fixed cap. Decoders write into it; once the cap
 * is reached the rest is dropped and {@link #overflowed()} says so, so decoded size never exceeds
 * the cap whatever the input claims.
 */
final class BoundedOutput {

  private static final int MIN_CAPACITY = 4096;

  private final int max;
  private byte[] bytes;
  private int length;
  private boolean overflowed;

  /** @param sizeHint expected size; the first array is no larger than the cap */
  BoundedOutput(int max, long sizeHint) {
    this.max = max;
    this.bytes = new byte[(int) Math.min(max, Math.max(MIN_CAPACITY, sizeHint))];
  }

  /** Copies what fits of {@code src}; returns false when some of it did not fit. */
  boolean write(ByteBuffer src) {
    while (src.hasRemaining()) {
      if (!makeRoom()) {
        overflowed = true;
        return false;
      }
      int n = Math.min(src.remaining(), bytes.length - length);
      src.get(bytes, length, n);
      length += n;
    }
    return true;
  }

  /** Reads {@code in} to its end or until the cap is passed, whichever is first. */
  void readFrom(InputStream in) throws IOException {
    while (true) {
      if (!makeRoom()) {
        overflowed = in.read() >= 0; // one more byte decides truncation without buffering it
        return;
      }
      int n = in.read(bytes, length, bytes.length - length);
      if (n < 0) {
        return;
      }
      length += n;
    }
  }

  byte[] bytes() {
    return bytes;
  }

  int length() {
    return length;
  }

  boolean overflowed() {
    return overflowed;
  }

  /** Ensures at least one free byte; false when the cap is reached. */
  private boolean makeRoom() {
    if (length < bytes.length) {
      return true;
    }
    if (length >= max) {
      return false;
    }
    bytes = Arrays.copyOf(bytes, (int) Math.min(max, (long) bytes.length * 2));
    return true;
  }
}
