package dev.vsim.cpu.stats;

import java.util.regex.Pattern;

/**
 * The unit of a statistic, as gem5's {@code statistics::units} gives each {@code ADD_STAT} one. A
 * unit is its symbol ({@code cycles}, {@code bytes}, {@code s}); a rate or a per-event average is
 * written with a slash ({@code count/s}, {@code cycles/access}, {@code bytes/GiB}).
 *
 * @param symbol the unit as written in result.json
 */
public record Unit(String symbol) {
  private static final Pattern SYMBOL = Pattern.compile("[A-Za-z%][A-Za-z0-9_%]*(/[A-Za-z0-9_]+)*");
  private static final Pattern WORD = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

  /** A number of events or things (exits, misses, pages). */
  public static final Unit COUNT = new Unit("count");

  /** Core clock cycles at the profile's base frequency. */
  public static final Unit CYCLES = new Unit("cycles");

  /** Simulated seconds. */
  public static final Unit SECONDS = new Unit("s");

  /** Simulated microseconds. */
  public static final Unit MICROSECONDS = new Unit("us");

  /** Simulated nanoseconds. */
  public static final Unit NANOSECONDS = new Unit("ns");

  /** Bytes of memory or of traffic. */
  public static final Unit BYTES = new Unit("bytes");

  /** A dimensionless fraction (a residency, a share of time), usually between 0 and 1. */
  public static final Unit RATIO = new Unit("ratio");

  /** A frequency, in cycles per second. */
  public static final Unit HZ = new Unit("Hz");

  /** Events per simulated second. */
  public static final Unit PER_SECOND = new Unit("count/s");

  /**
   * No unit given: only statistics still registered through the deprecated name-only methods of
   * {@link StatGroup} have it.
   */
  public static final Unit UNKNOWN = new Unit("unknown");

  public Unit {
    if (symbol == null || !SYMBOL.matcher(symbol).matches()) {
      throw new IllegalArgumentException("bad unit symbol: " + symbol);
    }
  }

  /** This unit per another: {@code BYTES.per(SECONDS)} is {@code bytes/s}. */
  public Unit per(Unit denominator) {
    return new Unit(symbol + "/" + denominator.symbol);
  }

  /**
   * This unit per occurrence of an event or thing: {@code CYCLES.per("access")} is {@code
   * cycles/access}.
   */
  public Unit per(String event) {
    if (event == null || !WORD.matcher(event).matches()) {
      throw new IllegalArgumentException("bad event name for a unit: " + event);
    }
    return new Unit(symbol + "/" + event);
  }

  @Override
  public String toString() {
    return symbol;
  }
}
