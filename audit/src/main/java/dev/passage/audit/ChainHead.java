package dev.passage.audit;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The end of one sink's hash chain: its stream, the sequence number of its last record (0 before
 * the first) and that record's hash ({@link #GENESIS} before the first). Persisted with the sink's
 * spool cursor, in the same atomic write, so that the head always belongs to the cursor's position.
 */
record ChainHead(String stream, long seq, String hash) {

  /** The {@code prev} of a stream's first record: 64 zeros. */
  static final String GENESIS = "0".repeat(64);
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern STREAM = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  ChainHead {
    Objects.requireNonNull(stream, "stream");
    if (!STREAM.matcher(stream).matches()) {
      throw new IllegalArgumentException("chain stream must be 1-128 of [A-Za-z0-9._:-], got " + stream);
    }
    if (seq < 0 || hash == null || !HEX64.matcher(hash).matches()) {
      throw new IllegalArgumentException("bad chain head: seq " + seq + " hash " + hash);
    }
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
