package dev.vsim.scenarios.cli;

import picocli.CommandLine;

/** Reports the version from the jar manifest, or "development" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = VsimCommand.class.getPackage().getImplementationVersion();
    return new String[] {
      "vsim " + (v == null ? "development" : v), "Java " + System.getProperty("java.version")
    };
  }
}
