package dev.vsim.scenarios.model;

/** Exact arithmetic on counts of cycles from scenario values: an overflow is Long.MAX_VALUE. */
final class Work {
  private Work() {}

  /** {@code a × b}, or Long.MAX_VALUE if it does not fit in a long. */
  static long product(long a, long b) {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** {@code a + b}, or Long.MAX_VALUE if it does not fit in a long. */
  static long sum(long a, long b) {
    try {
      return Math.addExact(a, b);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
