package dev.passage.gateway.admin;

import java.util.regex.Pattern;

/** Trims {@code GC.class_histogram} output to its header, the top rows and the total line. */
final class HeapHistogram {

  private static final Pattern ROW = Pattern.compile("\\s*\\d+:.*");

  private HeapHistogram() {}

  /** Rows are already sorted by bytes, largest first; rows look like {@code "   1:   12345   678900  [B (java.base@17)"}. */
  static String top(String histogram, int rows) {
    StringBuilder out = new StringBuilder();
    int kept = 0;
    for (String line : histogram.split("\n")) {
      boolean row = ROW.matcher(line).matches();
      if (row && kept >= rows) {
        continue;
      }
      if (row) {
        kept++;
      }
      out.append(line).append('\n');
    }
    return out.toString();
  }
}
