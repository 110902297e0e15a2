package dev.passage.audit;

import java.util.Objects;

/**
 * The end of one sink's hash chain: its stream, the sequence number of its last record (0 before
 * the first) and that record's hash ({@link #GENESIS} before the first). Persisted with the sink's
 * spool cursor, in the same atomic write, so that the head always belongs to the cursor's position.
 */
record ChainHead(String stream, long seq, String hash) {

  /** The {@code prev} of a stream's first record: 64 zeros. */
  static final String GENESIS = "0".repeat(64);
  ChainHead {
    Objects.requireNonNull(stream, "stream");
    if (!isStream(stream)) {
      throw new IllegalArgumentException("chain stream must be 1-128 of [A-Za-z0-9._:-], got " + stream);
    }
    if (seq < 0 || hash == null || !isHex64(hash)) {
      throw new IllegalArgumentException("bad chain head: seq " + seq + " hash " + hash);
    }
  }

  // Checked by hand, not by regex: a head is built for every delivered record, and two regex
  // matches were a fifth of the delivery thread's samples under load.
  private static boolean isStream(String s) {
    if (s.isEmpty() || s.length() > 128) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || c == '.' || c == '_' || c == ':' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean isHex64(String s) {
    if (s.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  /** A stream that has no record yet. */
  static ChainHead start(String stream) {
    return new ChainHead(stream, 0, GENESIS);
  }

  /** A new stream id: random, so that a sink whose cursor was lost never continues a stream it cannot link to. */
  static ChainHead fresh() {
    return start(java.util.UUID.randomUUID().toString());
  }
}
