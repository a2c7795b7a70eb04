package dev.vsim.results;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Statistics of one configuration, by gem5-style dotted name ({@code vm0.vcpu3.exits.cpuid.count}),
 * in sorted order. Values are integers or finite doubles; each may carry a unit and a one-line
 * description. Distributions are kept apart from the values, as histograms.
 */
public final class Metrics {
  /** The unit of a metric that was given none. */
  public static final String UNKNOWN_UNIT = "unknown";

  private final TreeMap<String, Number> values = new TreeMap<>();
  private final TreeMap<String, String> units = new TreeMap<>();
  private final TreeMap<String, String> descriptions = new TreeMap<>();
  private final TreeMap<String, Distribution> distributions = new TreeMap<>();

  /**
   * Recorded values of a statistic, e.g. the cycles of each EPT fault.
   *
   * @param unit unit of the recorded values
   * @param description one line saying what is recorded
   * @param histogram the values
   */
  public record Distribution(String unit, String description, Histogram histogram) {
    public Distribution {
      Objects.requireNonNull(unit);
      Objects.requireNonNull(description);
      Objects.requireNonNull(histogram);
    }
  }

  public Metrics put(String name, long value) {
    check(name);
    values.put(name, value);
    return this;
  }

  public Metrics put(String name, double value) {
    check(name);
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("metric " + name + " is not finite: " + value);
    }
    values.put(name, value);
    return this;
  }

  /** Adds every entry; integer types stay integers. */
  public Metrics putAll(Map<String, ? extends Number> all) {
    for (Map.Entry<String, ? extends Number> e : all.entrySet()) {
      Number n = e.getValue();
      if (n instanceof Double || n instanceof Float) {
        put(e.getKey(), n.doubleValue());
      } else {
        put(e.getKey(), n.longValue());
      }
    }
    return this;
  }

  /** Gives the metric {@code name} (put already or later) its unit and description. */
  public Metrics describe(String name, String unit, String description) {
    check(name);
    units.put(name, Objects.requireNonNull(unit));
    descriptions.put(name, Objects.requireNonNull(description));
    return this;
  }

  /** Adds a distribution; its name may not be a distribution's already. */
  public Metrics distribution(String name, Distribution d) {
    check(name);
    if (distributions.putIfAbsent(name, Objects.requireNonNull(d)) != null) {
      throw new IllegalArgumentException("distribution " + name + " added twice");
    }
    return this;
  }

  /** The unit of metric {@code name}, or {@value #UNKNOWN_UNIT} if it was given none. */
  public String unit(String name) {
    return units.getOrDefault(name, UNKNOWN_UNIT);
  }

  /** The description of metric {@code name}, or the empty string if it was given none. */
  public String description(String name) {
    return descriptions.getOrDefault(name, "");
  }

  /** The distributions by dotted name, in sorted order. */
  public SortedMap<String, Distribution> distributions() {
    return Collections.unmodifiableSortedMap(distributions);
  }

  public Number get(String name) {
    return values.get(name);
  }

  public SortedMap<String, Number> asMap() {
    return Collections.unmodifiableSortedMap(values);
  }

  private static void check(String name) {
    if (name == null || name.isEmpty() || name.startsWith(".") || name.endsWith(".")) {
      throw new IllegalArgumentException("bad metric name: " + name);
    }
  }
}
