package dev.vsim.cpu.units;

/**
 * A span of simulated time as written by a user: either a count of cycles ({@code "1500cycles"}) or
 * a wall-clock span ({@code "10ms"}, {@code "2s"}, {@code "250ns"}), which becomes cycles only once
 * the host frequency is known. Held exactly: wall-clock spans in picoseconds.
 */
public record TimeSpan(long amount, Unit unit) {

  /** How {@link #amount} is counted. */
  public enum Unit {
    CYCLES("cycles"),
    PICOSECONDS("ps");

    private final String suffix;

    Unit(String suffix) {
      this.suffix = suffix;
    }

    public String suffix() {
      return suffix;
    }
  }

  private static final long PS_PER_NS = 1_000L;
  private static final long PS_PER_US = 1_000_000L;
  private static final long PS_PER_MS = 1_000_000_000L;
  private static final long PS_PER_S = 1_000_000_000_000L;

  public TimeSpan {
    if (amount < 0) {
      throw new IllegalArgumentException("a time span cannot be negative: " + amount);
    }
    if (unit == null) {
      throw new IllegalArgumentException("a time span needs a unit");
    }
  }

  public static TimeSpan cycles(long n) {
    return new TimeSpan(n, Unit.CYCLES);
  }

  public static TimeSpan millis(long n) {
    return new TimeSpan(Math.multiplyExact(n, PS_PER_MS), Unit.PICOSECONDS);
  }

  public static TimeSpan seconds(long n) {
    return new TimeSpan(Math.multiplyExact(n, PS_PER_S), Unit.PICOSECONDS);
  }

  public static TimeSpan nanos(long n) {
    return new TimeSpan(Math.multiplyExact(n, PS_PER_NS), Unit.PICOSECONDS);
  }

  /**
   * Parses {@code <integer><unit>} with unit one of cycles, ns, us, ms, s.
   *
   * @throws IllegalArgumentException with a message that says what is accepted
   */
  public static TimeSpan parse(String text) {
    String t = text.strip();
    int i = 0;
    while (i < t.length() && Character.isDigit(t.charAt(i))) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException(
          "expected a time such as \"10ms\", \"2s\" or \"1500cycles\", got \"" + text + "\"");
    }
    long n;
    try {
      n = Long.parseLong(t.substring(0, i));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("time \"" + text + "\" is too large");
    }
    String unit = t.substring(i);
    if (!unit.equals(unit.strip()) || !t.equals(text)) {
      throw new IllegalArgumentException(
          "time \"" + text + "\" has spaces; write it without them, e.g. \"10ms\"");
    }
    try {
      return switch (unit) {
        case "cycles", "cycle" -> cycles(n);
        case "ps" -> new TimeSpan(n, Unit.PICOSECONDS);
        case "ns" -> nanos(n);
        case "us" -> new TimeSpan(Math.multiplyExact(n, PS_PER_US), Unit.PICOSECONDS);
        case "ms" -> millis(n);
        case "s" -> seconds(n);
        case "" ->
            throw new IllegalArgumentException(
                "time \"" + text + "\" has no unit; add one of cycles, ns, us, ms, s");
        default ->
            throw new IllegalArgumentException(
                "unknown time unit \""
                    + unit
                    + "\" in \""
                    + text
                    + "\"; use cycles, ns, us, ms or s");
      };
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("time \"" + text + "\" is too large");
    }
  }

  /** Cycles at the given clock frequency, rounded to the nearest cycle. */
  public long toCycles(long frequencyHz) {
    if (unit == Unit.CYCLES) {
      return amount;
    }
    // amount[ps] * hz / 1e12, without overflow for spans up to hours at GHz clocks.
    java.math.BigInteger c =
        java.math.BigInteger.valueOf(amount)
            .multiply(java.math.BigInteger.valueOf(frequencyHz))
            .add(java.math.BigInteger.valueOf(PS_PER_S / 2))
            .divide(java.math.BigInteger.valueOf(PS_PER_S));
    return c.longValueExact();
  }

  /** The shortest exact spelling: "1500cycles", "10ms", "2s", "250ns". */
  @Override
  public String toString() {
    if (unit == Unit.CYCLES) {
      return amount + "cycles";
    }
    if (amount == 0) {
      return "0s";
    }
    String[] units = {"s", "ms", "us", "ns"};
    long[] mults = {PS_PER_S, PS_PER_MS, PS_PER_US, PS_PER_NS};
    for (int i = 0; i < units.length; i++) {
      if (amount % mults[i] == 0) {
        return (amount / mults[i]) + units[i];
      }
    }
    return amount + "ps";
  }
}
