package dev.vsim.results;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Statistics of one configuration, by gem5-style dotted name ({@code vm0.vcpu3.exits.cpuid.count}),
 * in sorted order. Values are integers or finite doubles.
 */
public final class Metrics {
  private final TreeMap<String, Number> values = new TreeMap<>();

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
