package dev.passage.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Links the lines of one sink's stream into a hash chain (docs/audit-record.md, "Integrity"): each
 * record line gets {@code "instance"} and {@code "chain":{"stream","seq","prev"}} appended as its last
 * members, then {@code "hash"}: the SHA-256 of the line so far (its canonical bytes), so the canonical
 * bytes are always the written line minus its last member and newline. Deterministic: the same line
 * after the same head gives the same bytes, so a replay after a crash repeats records identically.
 * One per sink, used by that sink's delivery thread only.
 */
final class RecordChain {

  static final HexFormat HEX = HexFormat.of();
  private static final byte[] HASH_MEMBER = ",\"hash\":\"".getBytes(StandardCharsets.US_ASCII);

  private final String instance;
  private final MessageDigest sha256;
  private ChainHead head;

  RecordChain(String instance, ChainHead head) {
    // The instance id is written into the JSON unescaped: the same rule as a stream id keeps that safe.
    ChainHead.start(instance);
    this.instance = instance;
    this.head = head;
    this.sha256 = sha256();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e); // every JDK must have it
    }
  }

  ChainHead head() {
    return head;
  }

  /** The record line (JSON object ending {@code "}\n"}) as the next link of the chain; advances the head. */
  byte[] link(byte[] line) {
    int end = line.length - 2; // before "}\n"
    if (end < 1 || line[end] != '}' || line[end + 1] != '\n') {
      throw new IllegalArgumentException("not an audit line: it must end with \"}\\n\"");
    }
    long seq = head.seq() + 1;
    byte[] members = (",\"instance\":\"" + instance + "\",\"chain\":{\"stream\":\"" + head.stream() + "\",\"seq\":" + seq
        + ",\"prev\":\"" + head.hash() + "\"}}").getBytes(StandardCharsets.US_ASCII);
    // canonical = line[0, end) + members (which ends with the object's closing brace)
    sha256.update(line, 0, end);
    sha256.update(members);
    String hash = HEX.formatHex(sha256.digest());
    byte[] out = Arrays.copyOf(line, end + members.length - 1 + HASH_MEMBER.length + 64 + 3);
    int at = end;
    System.arraycopy(members, 0, out, at, members.length - 1); // without its closing brace
    at += members.length - 1;
    System.arraycopy(HASH_MEMBER, 0, out, at, HASH_MEMBER.length);
    at += HASH_MEMBER.length;
    byte[] hex = hash.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(hex, 0, out, at, 64);
    at += 64;
    out[at++] = '"';
    out[at++] = '}';
    out[at] = '\n';
    head = new ChainHead(head.stream(), seq, hash);
    return out;
  }
}
