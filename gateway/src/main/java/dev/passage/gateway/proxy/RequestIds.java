package dev.passage.gateway.proxy;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: the client's {@code X-Request-Id} when it is sane, else 128 random bits in hex. Sane
 * means the characters of UUIDs, trace ids and base64 only: the id is copied into headers, logs and
 * JSON bodies, where a quote, a backslash or a control byte would inject.
 */
final class RequestIds {

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final int MAX_LENGTH = 128;

  private RequestIds() {}

  static String accept(String fromClient) {
    if (fromClient == null || fromClient.isEmpty() || fromClient.length() > MAX_LENGTH) {
      return generate();
    }
    for (int i = 0; i < fromClient.length(); i++) {
      char c = fromClient.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && "-._~:+/=@".indexOf(c) < 0) {
        return generate();
      }
    }
    return fromClient;
  }

  static String generate() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    char[] out = new char[32];
    long hi = r.nextLong();
    long lo = r.nextLong();
    for (int i = 0; i < 16; i++) {
      out[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
      out[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
    }
    return new String(out);
  }
}
