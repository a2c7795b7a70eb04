package dev.vsim.cpu.profile;

/** Argument checks whose messages name the parameter, for the scenario loader to report. */
final class Checks {
  private Checks() {}

  static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  static void nonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " cannot be negative, got " + value);
    }
  }
}
