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

  private NmtSummary() {}

  /** Adds {@code nmt} (the mode, "off" when disabled) and, when on, the summary text and parsed numbers. */
  static void addTo(JsonObject doc) {
    String mode = DiagnosticCommands.nmtMode();
    doc.put("nmt", mode);
    if ("off".equals(mode)) {
      return;
    }
    String text = DiagnosticCommands.nativeMemorySummary();
    doc.put("nmt_committed_kib", committedKib(text));
    doc.put("nmt_summary", text);
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
