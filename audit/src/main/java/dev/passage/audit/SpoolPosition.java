package dev.passage.audit;

/**
 * A place in the spool as one {@code long}: a segment's sequence number in the high 32 bits and a
 * byte offset in that segment in the low 32 bits. Positions of different segments compare in log
 * order, and a segment's length never shifts the next one's numbering.
 */
final class SpoolPosition {

  private SpoolPosition() {}

  static long of(long seq, long offset) {
    return (seq << 32) | offset;
  }

  static long seq(long position) {
    return position >>> 32;
  }

  static long offset(long position) {
    return position & 0xFFFF_FFFFL;
  }
}
