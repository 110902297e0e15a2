package dev.passage.gateway.cli;

import picocli.CommandLine;

/** The version from the jar manifest, so it never disagrees with the build. */
final class PassageVersion implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = PassageVersion.class.getPackage().getImplementationVersion();
    return new String[] {"passage " + (v == null ? "dev" : v), "JVM: ${java.version} (${java.vendor})"};
  }
}
