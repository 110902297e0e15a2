package dev.passage.audit;

/**
 * The first bad place in a trail: the file and line (1-based; for a cut tail, one past the last
 * line), or a Kafka {@code topic/partition/} and offset, the stream and seq concerned, what happened
 * and a sentence for people.
 */
public record TrailFinding(Tampering what, String file, long line, String stream, long seq, String detail) {

  /** {@code TAMPERED <what> <file>:<line> stream=<stream> seq=<seq>: <detail>}, the first line of the report. */
  public String describe() {
    return "TAMPERED " + what.wireName().replace(' ', '_') + " " + place() + " stream=" + stream
        + " seq=" + seq + ": " + detail;
  }

  /** {@code file:line}, or {@code topic/partition/offset} for a Kafka partition (named with a trailing '/'). */
  public String place() {
    return place(file, line);
  }

  static String place(String file, long line) {
    return file.endsWith("/") ? file + line : file + ":" + line;
  }
}
