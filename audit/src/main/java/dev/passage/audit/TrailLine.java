package dev.passage.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * One line of a trail as {@code verify} sees it: a chained record whose hash was recomputed, a
 * checkpoint, or a line that is neither (unparseable, no hash, or a hash that does not match).
 * Parsing a record reads only the fixed tail the writer appends ({@link RecordChain}), so verifying
 * costs little more than hashing; a line that does not have that exact tail is {@link Kind#BAD}.
 */
record TrailLine(Kind kind, String file, long line, String stream, long seq, String prev, String hash,
    Checkpoint checkpoint, String problem, boolean extendsPrevious) {

  enum Kind { RECORD, CHECKPOINT, BAD }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] HASH_MEMBER = ",\"hash\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CHAIN_MEMBER = ",\"chain\":{\"stream\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SEQ_MEMBER = "\",\"seq\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PREV_MEMBER = ",\"prev\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CHECKPOINT_START = "{\"type\":\"checkpoint\",".getBytes(StandardCharsets.US_ASCII);
  /** {@code ,"hash":"} + 64 hex + {@code "}}. */
  private static final int HASH_TAIL = HASH_MEMBER.length + 64 + 2;

  /** The problem of a line that begins as a checkpoint and is not JSON: a write cut short. */
  static final String CUT_CHECKPOINT = "a checkpoint cut short";

  static TrailLine bad(String file, long line, String problem) {
    return new TrailLine(Kind.BAD, file, line, null, 0, null, null, null, problem, false);
  }

  /** Parses {@code bytes[0, len)} (the line without its newline); {@code sha256} is reused. */
  static TrailLine parse(byte[] bytes, int len, String file, long line, MessageDigest sha256) {
    if (startsWith(bytes, len, CHECKPOINT_START)) {
      try {
        return new TrailLine(Kind.CHECKPOINT, file, line, null, 0, null, null,
            Checkpoint.parse(Arrays.copyOf(bytes, len)), null, false);
      } catch (IllegalArgumentException e) {
        return bad(file, line, Checkpoint.NOT_JSON.equals(e.getMessage()) ? CUT_CHECKPOINT + " (not JSON)"
            : "a checkpoint that does not parse: " + e.getMessage());
      }
    }
    int cut = len - HASH_TAIL;
    if (cut < 2 || !regionEquals(bytes, cut, HASH_MEMBER) || bytes[len - 2] != '"' || bytes[len - 1] != '}'
        || !hex64(bytes, cut + HASH_MEMBER.length)) {
      return bad(file, line, "no hash: the line does not end with ,\"hash\":\"<64 hex>\"}");
    }
    String claimed = new String(bytes, cut + HASH_MEMBER.length, 64, StandardCharsets.US_ASCII);
    sha256.update(bytes, 0, cut);
    sha256.update((byte) '}');
    String actual = RecordChain.HEX.formatHex(sha256.digest());
    if (!actual.equals(claimed)) {
      return bad(file, line, "its bytes do not match its hash");
    }
    // The canonical bytes end with: ,"chain":{"stream":"S","seq":N,"prev":"<64 hex>"}}
    int prevAt = cut - 2 - 64;
    int prevMember = prevAt - PREV_MEMBER.length;
    if (prevMember < 0 || bytes[cut - 1] != '}' || bytes[cut - 2] != '"' || !hex64(bytes, prevAt)
        || !regionEquals(bytes, prevMember, PREV_MEMBER)) {
      return bad(file, line, "no chain member before its hash");
    }
    int digitsEnd = prevMember;
    int digitsStart = digitsEnd;
    while (digitsStart > 0 && bytes[digitsStart - 1] >= '0' && bytes[digitsStart - 1] <= '9') {
      digitsStart--;
    }
    int seqMember = digitsStart - SEQ_MEMBER.length;
    if (digitsStart == digitsEnd || digitsEnd - digitsStart > 18 || seqMember < 0
        || !regionEquals(bytes, seqMember, SEQ_MEMBER)) {
      return bad(file, line, "no chain.seq before chain.prev");
    }
    int streamEnd = seqMember;
    int streamStart = streamEnd;
    while (streamStart > 0 && bytes[streamStart - 1] != '"') {
      streamStart--;
    }
    if (streamStart - CHAIN_MEMBER.length < 0 || !regionEquals(bytes, streamStart - CHAIN_MEMBER.length, CHAIN_MEMBER)) {
      return bad(file, line, "no chain.stream");
    }
    long seq = Long.parseLong(new String(bytes, digitsStart, digitsEnd - digitsStart, StandardCharsets.US_ASCII));
    return new TrailLine(Kind.RECORD, file, line, new String(bytes, streamStart, streamEnd - streamStart,
        StandardCharsets.UTF_8), seq, new String(bytes, prevAt, 64, StandardCharsets.US_ASCII), actual, null, null, false);
  }

  /** The same line, marked as beginning with the bytes of the (bad) line before it: that line was a torn write of it. */
  TrailLine extendingPrevious() {
    return new TrailLine(kind, file, line, stream, seq, prev, hash, checkpoint, problem, true);
  }

  private static boolean startsWith(byte[] b, int len, byte[] prefix) {
    return len >= prefix.length && regionEquals(b, 0, prefix);
  }

  private static boolean regionEquals(byte[] b, int at, byte[] what) {
    return Arrays.equals(b, at, at + what.length, what, 0, what.length);
  }

  private static boolean hex64(byte[] b, int at) {
    for (int i = at; i < at + 64; i++) {
      byte c = b[i];
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  static JsonNode json(byte[] line) throws IOException {
    return JSON.readTree(line);
  }
}
