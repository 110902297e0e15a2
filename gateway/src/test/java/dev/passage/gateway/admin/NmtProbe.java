package dev.passage.gateway.admin;

/** Run in a child JVM started with Native Memory Tracking: prints one memory report as JSON. */
final class NmtProbe {

  private NmtProbe() {}

  public static void main(String[] args) {
    System.out.println(MemoryReport.jvmOnly().snapshot().encode());
  }
}
