package dev.passage.gateway.admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The kernel's view of this process from {@code /proc/self/status}: what the OOM killer and the
 * container limit count, as opposed to what the JVM thinks it uses. Empty off Linux.
 */
final class ProcStatus {

  static final Path STATUS = Path.of("/proc/self/status");

  /** The memory fields reported, in the order the document lists them; values in kB become bytes. */
  static final String[] MEMORY_FIELDS = {"VmRSS", "VmSize", "VmHWM", "RssAnon", "RssFile", "RssShmem", "VmSwap"};

  private ProcStatus() {}

  /**
   * Memory fields in bytes plus {@code Threads} (a count); a field the kernel does not report
   * (older kernels lack RssAnon/RssFile/RssShmem) is absent, and the map is empty without /proc.
   */
  static Map<String, Long> read() {
    String text;
    try {
      text = Files.readString(STATUS);
    } catch (IOException | UnsupportedOperationException e) {
      return Map.of();
    }
    return parse(text);
  }

  static Map<String, Long> parse(String text) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon);
      String value = line.substring(colon + 1).trim();
      if (key.equals("Threads")) {
        out.put(key, Long.parseLong(value));
      } else if (isMemoryField(key) && value.endsWith(" kB")) {
        out.put(key, Long.parseLong(value.substring(0, value.length() - 3).trim()) * 1024L);
      }
    }
    return out;
  }

  /** One field in bytes, or -1 when unavailable (a gauge shows -1 rather than a stale value). */
  static long field(String name) {
    return read().getOrDefault(name, -1L);
  }

  private static boolean isMemoryField(String key) {
    for (String f : MEMORY_FIELDS) {
      if (f.equals(key)) {
        return true;
      }
    }
    return false;
  }
}
