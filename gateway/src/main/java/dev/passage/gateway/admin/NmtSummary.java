package dev.passage.gateway.admin;

import io.vertx.core.json.JsonObject;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Native Memory Tracking's own accounting, the one source that sees malloc arenas, GC structures,
 * JIT and thread stacks together. Only present when the JVM was started with
 * {@code -XX:NativeMemoryTracking=summary} (NMT costs a few percent, so it is a launch decision).
 */
final class NmtSummary {

  // JDK 17 prints "-  Java Heap (reserved=1048576KB, committed=65536KB)" per category.
  private static final Pattern CATEGORY =
      Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)", Pattern.MULTILINE);
  private static final Pattern TOTAL =
      Pattern.compile("^Total: reserved=(\\d+)KB, committed=(\\d+)KB", Pattern.MULTILINE);

  /** The summary text and its committed KiB per category, or null when NMT is off. Blocking. */
  static NmtSummary read() {
    if ("off".equals(DiagnosticCommands.nmtMode())) {
      return null;
    }
    String text = DiagnosticCommands.nativeMemorySummary();
    return new NmtSummary(text, committedKib(text));
  }

  final String text;
  final JsonObject committedKib;

  private NmtSummary(String text, JsonObject committedKib) {
    this.text = text;
    this.committedKib = committedKib;
  }

  /** Committed bytes of one category, or -1 when NMT did not list it. */
  long committedBytes(String category) {
    Long kib = committedKib.getLong(category);
    return kib == null ? -1 : kib * 1024;
  }

  /** Adds {@code nmt} (the mode, "off" when disabled) and, when on, the summary text and parsed numbers. */
  static void addTo(JsonObject doc, NmtSummary nmt) {
    doc.put("nmt", nmt == null ? "off" : DiagnosticCommands.nmtMode());
    if (nmt != null) {
      doc.put("nmt_committed_kib", nmt.committedKib);
      doc.put("nmt_summary", nmt.text);
    }
  }

  /** Committed KiB per category plus {@code Total}; categories NMT omits (under 1 KB) are absent. */
  static JsonObject committedKib(String text) {
    JsonObject out = new JsonObject();
    Matcher total = TOTAL.matcher(text);
    if (total.find()) {
      out.put("Total", Long.parseLong(total.group(2)));
    }
    Matcher m = CATEGORY.matcher(text);
    while (m.find()) {
      out.put(m.group(1).trim(), Long.parseLong(m.group(3)));
    }
    return out;
  }
}
