package dev.passage.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the calling thread to the least CPU priority (nice 19) on Linux, so that work which may
 * wait, such as gzip of rotated audit files, uses the CPU time the gateway leaves and does not take
 * a share from the event loop and the audit writer under load. Java has no API for a thread's nice
 * value; the kernel names the thread in {@code /proc/thread-self} and {@code renice} (util-linux)
 * lowers it, which needs no privilege. Where either is missing the thread keeps its priority: the
 * work is the same, only its timing under load changes.
 */
final class BackgroundPriority {

  private static final Logger LOG = LoggerFactory.getLogger(BackgroundPriority.class);
  static final int NICE = 19;

  private BackgroundPriority() {
  }

  /** Lowers the current thread; true when the kernel took the new nice value. */
  static boolean lowerCurrentThread() {
    Path self = Path.of("/proc/thread-self");
    if (!Files.exists(self)) {
      return false;
    }
    try {
      // "<pid>/task/<tid>": the last element is the kernel's id of this thread.
      String tid = Files.readSymbolicLink(self).getFileName().toString();
      Process renice = new ProcessBuilder("renice", "-n", String.valueOf(NICE), "-p", tid)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!renice.waitFor(5, TimeUnit.SECONDS)) {
        renice.destroyForcibly();
        return false;
      }
      return renice.exitValue() == 0 && niceOf(tid) == NICE;
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot lower the priority of {}; it keeps the default", Thread.currentThread().getName(), e);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The nice value of thread {@code tid} of this process (field 19 of its stat), or MIN_VALUE. */
  static int niceOf(String tid) {
    try {
      String stat = Files.readString(Path.of("/proc/self/task", tid, "stat"));
      // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
      String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Integer.parseInt(after[16]);
    } catch (IOException | RuntimeException e) {
      return Integer.MIN_VALUE;
    }
  }

  /** The nice value of the current thread, or MIN_VALUE where the kernel does not say. */
  static int currentNice() {
    try {
      return niceOf(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    } catch (IOException | RuntimeException e) {
      return Integer.MIN_VALUE;
    }
  }
}
