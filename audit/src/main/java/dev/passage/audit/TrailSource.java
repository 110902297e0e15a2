package dev.passage.audit;

import java.io.IOException;

/**
 * A trail (or an anchor) that is not files: its lines in write order, each at a named place, e.g.
 * the records of a Kafka topic, partition after partition ({@code passage audit verify --kafka}).
 * {@link AuditVerify} checks it exactly as it checks files.
 */
public interface TrailSource extends AutoCloseable {

  /**
   * One line: the bytes of one JSON document (no newline), its place and its position there. A place
   * ending in {@code '/'} (a Kafka {@code topic/partition/}) is reported as place and position joined
   * ({@code topic/partition/offset}), any other as {@code place:position}.
   */
  record Line(String place, long position, byte[] bytes) {}

  /** The next line, or null at the end; an IOException makes the input unusable. */
  Line next() throws IOException;

  /** What the source is, for the report: {@code topic T at BOOTSTRAP}. */
  String describe();

  @Override
  void close() throws IOException;
}
