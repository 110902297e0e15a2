package dev.passage.capture;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding for deciding between a text and a base64 record. */
final class Utf8 {

  private Utf8() {}

  /**
   * The text of {@code bytes[0, length)}, or null when it is not valid UTF-8. When {@code cutTail}
   * is set, an incomplete multibyte sequence at the very end is dropped: it is where the capture
   * stopped, not a sign of binary content.
   */
  static String text(byte[] bytes, int length, boolean cutTail) {
    int end = cutTail ? completeLength(bytes, length) : length;
    if (isAscii(bytes, end)) {
      // ASCII is valid UTF-8 and maps byte to char: a plain copy, no decoder and no char[] between.
      return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, 0, end))
          .toString();
    } catch (CharacterCodingException notUtf8) {
      return null;
    }
  }

  private static boolean isAscii(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      if (bytes[i] < 0) {
        return false;
      }
    }
    return true;
  }

  /** {@code length} minus a trailing lead byte whose continuation bytes are missing. */
  static int completeLength(byte[] bytes, int length) {
    for (int i = length - 1; i >= 0 && i >= length - 4; i--) {
      int b = bytes[i] & 0xFF;
      if ((b & 0xC0) == 0x80) {
        continue; // continuation byte: keep looking for its lead
      }
      int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
      return i + needed > length ? i : length;
    }
    return length;
  }
}
