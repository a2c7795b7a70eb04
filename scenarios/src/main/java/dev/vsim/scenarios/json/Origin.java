package dev.vsim.scenarios.json;

/**
 * Where a value was written: a file position ({@code line} and {@code column} 1-based), or a
 * command-line argument ({@code file} is then e.g. {@code "--set /vms/0/vcpus=x"} and line is 0).
 */
public record Origin(String file, int line, int column) {
  public static Origin commandLine(String argument) {
    return new Origin(argument, 0, 0);
  }
}
