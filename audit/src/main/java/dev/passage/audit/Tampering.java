package dev.passage.audit;

/** What {@code passage audit verify} found wrong with a trail, by its wire name in the report. */
public enum Tampering {
  /** A record's bytes no longer match its hash, or a record was changed and re-hashed (its successor or a checkpoint disagrees). */
  EDITED("edited"),
  /** Records are missing from the chain: a gap in seq (a line or a whole file deleted). */
  DELETED("deleted"),
  /** A line that is not part of the chain sits between two records that link to each other, or a second record claims a seq. */
  INSERTED("inserted"),
  /** Records of the chain are all there, in the wrong order. */
  REORDERED("reordered"),
  /** The trail ends before a checkpoint the anchor holds: its tail was cut. */
  TRUNCATED("truncated"),
  /** A checkpoint's signature does not verify with its key. */
  BAD_SIGNATURE("bad signature"),
  /** A checkpoint names a key that is not among the public keys given. */
  UNKNOWN_KEY("unknown key");

  private final String wireName;

  Tampering(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }
}
