package dev.vsim.cpu.stats;

import java.util.Objects;
import org.HdrHistogram.Histogram;

/**
 * One statistic as a snapshot found it: its dotted name, unit, one-line description and value.
 *
 * @param name dotted name, e.g. {@code vm0.vcpu3.mmu.walk.references}
 * @param kind how it was registered
 * @param unit unit of the value (of the recorded values, for a distribution)
 * @param description one line saying what it counts or measures (empty only for statistics
 *     registered through the deprecated name-only methods)
 * @param value a {@link Long} for counters and gauges, a {@link Double} for formulas, and the
 *     number of recorded values (a {@link Long}) for distributions
 * @param histogram for a distribution, a copy of its histogram at the snapshot; otherwise null
 */
public record Stat(
    String name, Kind kind, Unit unit, String description, Number value, Histogram histogram) {

  /** How a statistic was registered. */
  public enum Kind {
    /** A {@link Counter} bumped by the component. */
    COUNTER,
    /** An integer read from the component when the snapshot is taken. */
    GAUGE,
    /** A double computed when the snapshot is taken (a ratio, a mean, a rate). */
    FORMULA,
    /** Recorded values kept as an HdrHistogram. */
    DISTRIBUTION
  }

  public Stat {
    Objects.requireNonNull(name);
    Objects.requireNonNull(kind);
    Objects.requireNonNull(unit);
    Objects.requireNonNull(description);
    Objects.requireNonNull(value);
    if ((kind == Kind.DISTRIBUTION) != (histogram != null)) {
      throw new IllegalArgumentException("a histogram goes with distributions only: " + name);
    }
  }

  /** Whether this is a single value (a counter, gauge or formula), as the flat snapshot has. */
  public boolean isScalar() {
    return kind != Kind.DISTRIBUTION;
  }
}
