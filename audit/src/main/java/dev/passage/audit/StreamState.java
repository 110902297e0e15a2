package dev.passage.audit;

/**
 * What {@code verify} remembers of one stream: the record it saw last (in file order), the highest
 * seq so far, and the hashes of the most recent {@link #WINDOW} seqs, so that a replay after a crash
 * (records repeated byte for byte) can be told from a forged repeat. Memory per stream is fixed.
 */
final class StreamState {

  /** Seqs a replay may go back: far more than a sink takes between two acknowledgements (a flush interval). */
  static final int WINDOW = 1 << 17;

  final String stream;
  long cur;
  String curHash;
  String curFile;
  long curLine;
  long max;
  private final long[] seqs = new long[WINDOW];
  private final String[] hashes = new String[WINDOW];

  StreamState(String stream) {
    this.stream = stream;
  }

  /** The hash recorded for {@code seq}, or null when it is older than the window or not seen. */
  String hashOf(long seq) {
    int i = (int) (seq % WINDOW);
    return seq >= 1 && seqs[i] == seq ? hashes[i] : null;
  }

  void saw(TrailLine r) {
    cur = r.seq();
    curHash = r.hash();
    curFile = r.file();
    curLine = r.line();
    if (r.seq() > max) {
      max = r.seq();
      int i = (int) (r.seq() % WINDOW);
      seqs[i] = r.seq();
      hashes[i] = r.hash();
    }
  }
}
