package dev.vsim.cpu.stats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every statistic of a group and its descendants at one moment, typed: name, unit, description and
 * value, and the histogram of each distribution. {@link #values()} is the flat view that {@link
 * StatGroup#snapshot()} returns.
 *
 * @param stats the statistics in the order of their dotted names
 */
public record StatSnapshot(List<Stat> stats) {
  public static final StatSnapshot EMPTY = new StatSnapshot(List.of());

  public StatSnapshot {
    List<Stat> sorted = new ArrayList<>(stats);
    sorted.sort(Comparator.comparing(Stat::name));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).name().equals(sorted.get(i - 1).name())) {
        throw new IllegalArgumentException("statistic " + sorted.get(i).name() + " twice");
      }
    }
    stats = List.copyOf(sorted);
  }

  /** The value of every counter, gauge and formula by dotted name (distributions left out). */
  public TreeMap<String, Number> values() {
    TreeMap<String, Number> out = new TreeMap<>();
    for (Stat s : stats) {
      if (s.isScalar()) {
        out.put(s.name(), s.value());
      }
    }
    return out;
  }

  /** The counters, gauges and formulas. */
  public List<Stat> scalars() {
    return stats.stream().filter(Stat::isScalar).toList();
  }

  /** The distributions. */
  public List<Stat> distributions() {
    return stats.stream().filter(s -> !s.isScalar()).toList();
  }

  /** The statistic of this dotted name. */
  public Optional<Stat> get(String name) {
    return stats.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
