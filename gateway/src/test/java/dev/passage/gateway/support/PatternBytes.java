package dev.passage.gateway.support;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** A deterministic, non-repeating-looking byte stream, so corruption or reordering shows in a digest. */
public final class PatternBytes {

  private long state = 0x9E3779B97F4A7C15L;

  public byte[] next(int len) {
    byte[] out = new byte[len];
    fill(out, 0, len);
    return out;
  }

  public void fill(byte[] out, int off, int len) {
    for (int i = 0; i < len; i++) {
      if ((i & 7) == 0) {
        state ^= state << 13;
        state ^= state >>> 7;
        state ^= state << 17;
      }
      out[off + i] = (byte) (state >>> ((i & 7) * 8));
    }
  }

  /** SHA-256 of the first {@code n} bytes of the pattern, as hex. */
  public static String digestOf(long n) {
    MessageDigest md = sha256();
    PatternBytes p = new PatternBytes();
    byte[] buf = new byte[64 * 1024];
    long left = n;
    while (left > 0) {
      int len = (int) Math.min(buf.length, left);
      p.fill(buf, 0, len);
      md.update(buf, 0, len);
      left -= len;
    }
    return hex(md.digest());
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String hex(byte[] bytes) {
    StringBuilder b = new StringBuilder(bytes.length * 2);
    for (byte x : bytes) {
      b.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return b.toString();
  }
}
