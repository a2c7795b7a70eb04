package dev.vsim.cpu.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * A node in the gem5-style statistics tree. Each simulated object owns a group named after it
 * ({@code vm0}, {@code vcpu3}, {@code tlb}, {@code stlb}) and registers its statistics once at
 * construction, each with a unit and a one-line description, as gem5's {@code ADD_STAT(name, unit,
 * desc)} does: counters, gauges and formulas (single values) and distributions (HdrHistograms).
 * {@link #stats()} takes a typed snapshot of the tree; {@link #snapshot()} flattens its single
 * values to dotted names such as {@code vm0.vcpu3.tlb.stlb.misses}.
 *
 * <p>Registration allocates; updating does not: a {@link Counter} is a plain long field, a gauge or
 * formula is read only at a snapshot, and a distribution is the component's own histogram.
 */
public final class StatGroup {
  /** Number of significant value digits of the histograms {@link #distribution} creates. */
  public static final int HISTOGRAM_DIGITS = 3;

  private final String name;
  private final Map<String, StatGroup> children = new LinkedHashMap<>();
  private final Map<String, Entry> stats = new LinkedHashMap<>();

  private record Entry(Stat.Kind kind, Unit unit, String description, Object source) {}

  /** A root group; its name prefixes every statistic below it unless it is empty. */
  public StatGroup(String name) {
    if (name == null || name.contains(".")) {
      throw new IllegalArgumentException("bad statistic group name: " + name);
    }
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** The child group of this name, created on first use. */
  public StatGroup group(String child) {
    checkName(child);
    return children.computeIfAbsent(child, StatGroup::new);
  }

  /** A new counter registered under {@code stat}. */
  public Counter counter(String stat, Unit unit, String description) {
    Counter c = new Counter();
    register(stat, Stat.Kind.COUNTER, checked(stat, unit, description), description, c);
    return c;
  }

  /** An integer value read when the snapshot is taken. */
  public void gauge(String stat, Unit unit, String description, LongSupplier value) {
    register(stat, Stat.Kind.GAUGE, checked(stat, unit, description), description, value);
  }

  /** A value computed when the snapshot is taken (a ratio, a mean, a derived total). */
  public void formula(String stat, Unit unit, String description, DoubleSupplier value) {
    register(stat, Stat.Kind.FORMULA, checked(stat, unit, description), description, value);
  }

  /**
   * A new distribution registered under {@code stat}: an auto-resizing HdrHistogram of {@value
   * #HISTOGRAM_DIGITS} significant digits, which the component records into.
   */
  public Histogram distribution(String stat, Unit unit, String description) {
    return distribution(stat, unit, description, new Histogram(HISTOGRAM_DIGITS));
  }

  /** Registers the component's own histogram as a distribution under {@code stat}. */
  public Histogram distribution(String stat, Unit unit, String description, Histogram histogram) {
    if (histogram == null) {
      throw new IllegalArgumentException("distribution " + stat + " needs a histogram");
    }
    register(
        stat, Stat.Kind.DISTRIBUTION, checked(stat, unit, description), description, histogram);
    return histogram;
  }

  /**
   * A new counter without unit or description.
   *
   * @deprecated give a unit and a description: {@link #counter(String, Unit, String)}
   */
  @Deprecated
  public Counter counter(String stat) {
    Counter c = new Counter();
    register(stat, Stat.Kind.COUNTER, Unit.UNKNOWN, "", c);
    return c;
  }

  /**
   * A value computed at the snapshot, without unit or description.
   *
   * @deprecated give a unit and a description: {@link #formula(String, Unit, String,
   *     DoubleSupplier)}
   */
  @Deprecated
  public void formula(String stat, DoubleSupplier value) {
    register(stat, Stat.Kind.FORMULA, Unit.UNKNOWN, "", value);
  }

  /**
   * An integer value read at the snapshot, without unit or description.
   *
   * @deprecated give a unit and a description: {@link #gauge(String, Unit, String, LongSupplier)}
   */
  @Deprecated
  public void gauge(String stat, LongSupplier value) {
    register(stat, Stat.Kind.GAUGE, Unit.UNKNOWN, "", value);
  }

  private Unit checked(String stat, Unit unit, String description) {
    if (unit == null) {
      throw new IllegalArgumentException("statistic " + name + "." + stat + " needs a unit");
    }
    if (description == null || description.isBlank()) {
      throw new IllegalArgumentException(
          "statistic " + name + "." + stat + " needs a one-line description");
    }
    if (description.contains("\n") || description.contains("\r")) {
      throw new IllegalArgumentException(
          "the description of " + name + "." + stat + " must be one line");
    }
    return unit;
  }

  private void register(String stat, Stat.Kind kind, Unit unit, String description, Object s) {
    checkName(stat);
    if (stats.putIfAbsent(stat, new Entry(kind, unit, description, s)) != null) {
      throw new IllegalStateException("statistic " + name + "." + stat + " registered twice");
    }
  }

  /**
   * Every single value (counter, gauge, formula) of this group and its descendants, by dotted name,
   * in sorted order: {@code stats().values()}, without copying the histograms.
   */
  public TreeMap<String, Number> snapshot() {
    TreeMap<String, Number> out = new TreeMap<>();
    collectValues(name, out);
    return out;
  }

  /** Every statistic of this group and its descendants, typed, with copies of the histograms. */
  public StatSnapshot stats() {
    List<Stat> out = new ArrayList<>();
    collect(name, out);
    return new StatSnapshot(out);
  }

  private static Number valueOf(Entry e) {
    return switch (e.kind()) {
      case COUNTER -> ((Counter) e.source()).value();
      case GAUGE -> ((LongSupplier) e.source()).getAsLong();
      case FORMULA -> ((DoubleSupplier) e.source()).getAsDouble();
      case DISTRIBUTION -> ((Histogram) e.source()).getTotalCount();
    };
  }

  private void collectValues(String prefix, Map<String, Number> out) {
    for (Map.Entry<String, Entry> e : stats.entrySet()) {
      if (e.getValue().kind() != Stat.Kind.DISTRIBUTION) {
        out.put(join(prefix, e.getKey()), valueOf(e.getValue()));
      }
    }
    for (StatGroup g : children.values()) {
      g.collectValues(join(prefix, g.name), out);
    }
  }

  private void collect(String prefix, List<Stat> out) {
    for (Map.Entry<String, Entry> e : stats.entrySet()) {
      Entry s = e.getValue();
      Histogram h = s.kind() == Stat.Kind.DISTRIBUTION ? ((Histogram) s.source()).copy() : null;
      Number v = h != null ? h.getTotalCount() : valueOf(s);
      out.add(new Stat(join(prefix, e.getKey()), s.kind(), s.unit(), s.description(), v, h));
    }
    for (StatGroup g : children.values()) {
      g.collect(join(prefix, g.name), out);
    }
  }

  private static String join(String prefix, String n) {
    return prefix.isEmpty() ? n : prefix + "." + n;
  }

  private static void checkName(String n) {
    if (n == null || n.isEmpty() || n.contains(".")) {
      throw new IllegalArgumentException("bad statistic name: " + n);
    }
  }
}
