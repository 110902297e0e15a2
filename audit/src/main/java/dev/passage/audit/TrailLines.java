package dev.passage.audit;

import java.io.IOException;

/** Parsed lines of a trail with one line of lookahead, as {@link ChainVerifier} walks them. */
interface TrailLines extends AutoCloseable {

  TrailLine next() throws IOException;

  TrailLine peek() throws IOException;

  /** Where a tail cut after {@code s}'s last record would have gone on: file and line (one past the end). */
  String endPlace(StreamState s);

  long endLine(StreamState s);

  long bytesRead();

  /** Bytes of a last line still being written (files only), not judged. */
  long unterminatedBytes();

  @Override
  void close() throws IOException;
}
