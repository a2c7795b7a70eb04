package dev.vsim.cpu.stats;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * A node in the gem5-style statistics tree. Each simulated object owns a group named after it
 * ({@code vm0}, {@code vcpu3}, {@code tlb}, {@code stlb}) and registers its counters and derived
 * values once at construction; {@link #snapshot()} flattens the tree to dotted names such as {@code
 * vm0.vcpu3.tlb.stlb.misses}.
 */
public final class StatGroup {
  private final String name;
  private final Map<String, StatGroup> children = new LinkedHashMap<>();
  private final Map<String, Object> stats = new LinkedHashMap<>();

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
  public Counter counter(String stat) {
    Counter c = new Counter();
    register(stat, c);
    return c;
  }

  /** A value computed when the snapshot is taken (a ratio, a derived total). */
  public void formula(String stat, DoubleSupplier value) {
    register(stat, value);
  }

  /** An integer value computed when the snapshot is taken. */
  public void gauge(String stat, LongSupplier value) {
    register(stat, value);
  }

  private void register(String stat, Object s) {
    checkName(stat);
    if (stats.putIfAbsent(stat, s) != null) {
      throw new IllegalStateException("statistic " + name + "." + stat + " registered twice");
    }
  }

  /** Every statistic of this group and its descendants, by dotted name, in sorted order. */
  public TreeMap<String, Number> snapshot() {
    TreeMap<String, Number> out = new TreeMap<>();
    collect(name, out);
    return out;
  }

  private void collect(String prefix, Map<String, Number> out) {
    for (Map.Entry<String, Object> e : stats.entrySet()) {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      Object s = e.getValue();
      Number v;
      if (s instanceof Counter c) {
        v = c.value();
      } else if (s instanceof LongSupplier l) {
        v = l.getAsLong();
      } else {
        v = ((DoubleSupplier) s).getAsDouble();
      }
      out.put(key, v);
    }
    for (StatGroup g : children.values()) {
      g.collect(prefix.isEmpty() ? g.name : prefix + "." + g.name, out);
    }
  }

  private static void checkName(String n) {
    if (n == null || n.isEmpty() || n.contains(".")) {
      throw new IllegalArgumentException("bad statistic name: " + n);
    }
  }
}
