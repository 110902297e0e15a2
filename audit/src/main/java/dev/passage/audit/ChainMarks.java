package dev.passage.audit;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@code audit tail} shows integrity fields: hidden by default (a checkpoint line is skipped, a
 * record prints as before); with {@code --chain}, a record gets {@code chain=<stream>#<seq>} and a
 * checkpoint a line of its own.
 */
final class ChainMarks {

  private static final String CHECKPOINT_START = "{\"type\":\"checkpoint\",";
  private static final Pattern CHAIN_TAIL = Pattern.compile(
      ",\"chain\":\\{\"stream\":\"([^\"]{1,128})\",\"seq\":([0-9]{1,18}),\"prev\":\"[0-9a-f]{64}\"},\"hash\":\"[0-9a-f]{64}\"}$");
  /** The chain members are at most this long at the end of a line. */
  private static final int TAIL_CHARS = 400;

  private ChainMarks() {}

  static boolean isCheckpoint(String line) {
    return line.startsWith(CHECKPOINT_START);
  }

  /** {@code " chain=<stream>#<seq>"} for a chained record, else "". */
  static String of(String line) {
    Matcher m = CHAIN_TAIL.matcher(line.substring(Math.max(0, line.length() - TAIL_CHARS)));
    return m.find() ? " chain=" + m.group(1) + "#" + m.group(2) : "";
  }

  /** The human line of a checkpoint. */
  static String checkpoint(String line) {
    try {
      Checkpoint c = Checkpoint.parse(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return c.time() + " checkpoint chain=" + c.stream() + "#" + c.seq() + " key_id=" + c.keyId();
    } catch (IllegalArgumentException e) {
      return "checkpoint (unparseable: " + e.getMessage() + ")";
    }
  }
}
