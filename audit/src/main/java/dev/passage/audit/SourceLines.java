package dev.passage.audit;

import java.io.IOException;
import java.security.MessageDigest;

/** A {@link TrailSource}'s lines, parsed, with one line of lookahead. */
final class SourceLines implements TrailLines {

  private final TrailSource source;
  private final MessageDigest sha256 = RecordChain.sha256();
  private TrailLine ahead;
  private boolean aheadRead;
  private long bytesRead;

  SourceLines(TrailSource source) {
    this.source = source;
  }

  @Override
  public TrailLine next() throws IOException {
    TrailLine l = peek();
    aheadRead = false;
    ahead = null;
    return l;
  }

  @Override
  public TrailLine peek() throws IOException {
    if (!aheadRead) {
      TrailSource.Line l = source.next();
      if (l == null) {
        ahead = null;
      } else if (l.bytes() == null || l.bytes().length == 0) {
        ahead = TrailLine.bad(l.place(), l.position(), "an empty record");
      } else {
        bytesRead += l.bytes().length;
        ahead = TrailLine.parse(l.bytes(), l.bytes().length, l.place(), l.position(), sha256);
      }
      aheadRead = true;
    }
    return ahead;
  }

  /** A stream's records are in one place (a partition): a cut tail is right after its last record there. */
  @Override
  public String endPlace(StreamState s) {
    return s.curFile;
  }

  @Override
  public long endLine(StreamState s) {
    return s.curLine + 1;
  }

  @Override
  public long bytesRead() {
    return bytesRead;
  }

  @Override
  public long unterminatedBytes() {
    return 0;
  }

  @Override
  public void close() throws IOException {
    source.close();
  }
}
