package dev.vsim.results;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The statistics of a run as the tree they were registered in ({@code vm0} → {@code vcpu3} → {@code
 * exits} → {@code cpuid} → {@code count}), for reports to walk by group instead of matching
 * patterns over flattened names.
 */
public final class StatTree {
  private final String name;
  private final TreeMap<String, StatTree> children = new TreeMap<>();
  private Number value;

  private StatTree(String name) {
    this.name = name;
  }

  /** The tree of dotted metric names. */
  public static StatTree of(Map<String, Number> metrics) {
    StatTree root = new StatTree("");
    for (Map.Entry<String, Number> e : metrics.entrySet()) {
      StatTree node = root;
      for (String part : e.getKey().split("\\.")) {
        node = node.children.computeIfAbsent(part, StatTree::new);
      }
      node.value = e.getValue();
    }
    return root;
  }

  public String name() {
    return name;
  }

  /** The child group or statistic {@code child}, if registered. */
  public Optional<StatTree> child(String child) {
    return Optional.ofNullable(children.get(child));
  }

  /** The node at a dotted path below this one ({@code "vcpu0.exits"}), if registered. */
  public Optional<StatTree> at(String path) {
    StatTree node = this;
    for (String part : path.split("\\.")) {
      node = node.children.get(part);
      if (node == null) {
        return Optional.empty();
      }
    }
    return Optional.of(node);
  }

  /** The children, by name. */
  public Collection<StatTree> children() {
    return children.values();
  }

  /** The value of a statistic (a leaf), if this is one. */
  public Optional<Number> value() {
    return Optional.ofNullable(value);
  }

  /** The value of the statistic at {@code path} below, or 0 where there is none. */
  public double valueAt(String path) {
    return at(path).flatMap(StatTree::value).map(Number::doubleValue).orElse(0.0);
  }
}
