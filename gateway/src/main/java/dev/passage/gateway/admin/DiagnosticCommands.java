package dev.passage.gateway.admin;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The HotSpot DiagnosticCommand MBean: the same commands as {@code jcmd}, run in-process so an
 * operator needs no shell on the host. All of these block (some pause the JVM): call them off the
 * event loop.
 */
final class DiagnosticCommands {

  private static final String[] SIGNATURE = {String[].class.getName()};

  private DiagnosticCommands() {}

  /** {@code jcmd <pid> GC.class_histogram}: forces a full GC first, so counts are live objects. */
  static String classHistogram() {
    return invoke("gcClassHistogram");
  }

  /** {@code jcmd <pid> Thread.print}: every Java thread with its full stack and held locks. */
  static String threadPrint() {
    return invoke("threadPrint", "-l");
  }

  /** {@code jcmd <pid> VM.native_memory summary}; only meaningful when {@link #nmtMode()} is not off. */
  static String nativeMemorySummary() {
    return invoke("vmNativeMemory", "summary");
  }

  /** The NativeMemoryTracking flag: {@code off}, {@code summary} or {@code detail}. */
  static String nmtMode() {
    HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    return hotspot == null ? "off" : hotspot.getVMOption("NativeMemoryTracking").getValue();
  }

  /** A HotSpot flag as a number, e.g. ThreadStackSize in KiB; {@code fallback} when unknown. */
  static long vmOption(String name, long fallback) {
    try {
      HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return Long.parseLong(hotspot.getVMOption(name).getValue());
    } catch (RuntimeException e) {
      return fallback;
    }
  }

  private static String invoke(String operation, String... args) {
    try {
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      ObjectName name = new ObjectName("com.sun.management:type=DiagnosticCommand");
      return (String) server.invoke(name, operation, new Object[] {args}, SIGNATURE);
    } catch (JMException e) {
      throw new IllegalStateException("diagnostic command " + operation + " failed: " + e.getMessage(), e);
    }
  }
}
