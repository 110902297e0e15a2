package dev.passage.capture;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import java.io.IOException;

/**
 * Brotli decoding of a kept prefix through brotli4j's native decoder, driven step by step.
 * brotli4j's {@code BrotliInputStream} loses the bytes of a read that ends in "unexpected end of
 * input", so a cut body would decode to nothing; driving the decoder directly keeps every byte it
 * produced before the input ran out.
 */
final class BrotliDecoding {

  private static final int INPUT_CHUNK = 16 * 1024;

  private BrotliDecoding() {}

  static boolean available() {
    return Loaded.AVAILABLE;
  }

  /** Decodes into {@code out}; returns true when the stream ended cleanly before the cap. */
  static boolean decode(byte[] in, int length, BoundedOutput out) throws IOException {
    DecoderJNI.Wrapper decoder = new DecoderJNI.Wrapper(INPUT_CHUNK);
    try {
      int consumed = 0;
      while (true) {
        switch (decoder.getStatus()) {
          case DONE:
            if (!decoder.hasOutput()) {
              return true;
            }
            if (!out.write(decoder.pull())) {
              return false;
            }
            break;
          case OK:
            decoder.push(0);
            break;
          case NEEDS_MORE_OUTPUT:
            if (!out.write(decoder.pull())) {
              return false;
            }
            break;
          case NEEDS_MORE_INPUT:
            if (decoder.hasOutput()) {
              if (!out.write(decoder.pull())) {
                return false;
              }
            } else if (consumed == length) {
              return false; // the kept prefix ends inside the stream
            } else {
              int n = Math.min(INPUT_CHUNK, length - consumed);
              decoder.getInputBuffer().clear();
              decoder.getInputBuffer().put(in, consumed, n);
              consumed += n;
              decoder.push(n);
            }
            break;
          default:
            return false; // corrupt input: keep what decoded before it
        }
      }
    } finally {
      decoder.destroy();
    }
  }

  /** Loads the native library once, on first use; failure leaves br bodies undecoded. */
  private static final class Loaded {
    static final boolean AVAILABLE = load();

    private static boolean load() {
      try {
        Brotli4jLoader.ensureAvailability();
        return true;
      } catch (LinkageError | RuntimeException unavailable) {
        return false;
      }
    }
  }
}
