package dev.passage.audit;

import java.io.PrintStream;

/**
 * What {@code passage audit tail} does with one record line, whatever it was read from (a file here,
 * a Kafka topic in the audit-kafka module): parse, filter, print the human form, or report the line
 * as unparseable. Everything printed goes through the same escaping as the file form.
 */
public final class RecordPrinter {

  private final RecordFilter filter;
  private final PrintStream out;

  private RecordPrinter(RecordFilter filter, PrintStream out) {
    this.filter = filter;
    this.out = out;
  }

  /**
   * @param route  only this route, or null
   * @param status only this status ({@code 404}) or class ({@code 5xx}), or null
   * @throws IllegalArgumentException when {@code status} is neither, with a message for the user
   */
  public static RecordPrinter of(String route, String status, PrintStream out) {
    return new RecordPrinter(RecordFilter.of(route, status), out);
  }

  /** Prints the record in {@code json} if it matches; {@code where} names it when it cannot be parsed. */
  public void print(String json, String where) {
    if (json.isBlank() || ChainMarks.isCheckpoint(json)) {
      return; // a signed checkpoint, not a record
    }
    AuditRecord r;
    try {
      r = AuditRecordJson.fromLine(json);
    } catch (IllegalArgumentException e) {
      out.println("! " + AuditTail.printable(where) + ": unparseable record (" + AuditTail.printable(e.getMessage()) + ")");
      return;
    }
    if (filter.matches(r)) {
      out.println(AuditTail.format(r));
    }
  }

  /** {@code text} made safe for a terminal, as everything tail prints. */
  public static String printable(String text) {
    return AuditTail.printable(text);
  }
}
