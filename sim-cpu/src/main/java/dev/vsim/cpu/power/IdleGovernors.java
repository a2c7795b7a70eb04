package dev.vsim.cpu.power;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The idle governors a scenario can name. */
public final class IdleGovernors {
  private IdleGovernors() {}

  /** Builds a governor for a host's CPUs and its state table. */
  @FunctionalInterface
  public interface Factory {
    IdleGovernor create(CoreStateTable states, int cpus, long latencyLimitCycles);
  }

  private static final Map<String, Factory> BY_NAME =
      new TreeMap<>(Map.of("menu", MenuGovernor::new, "deepest", DeepestGovernor::new));

  /** Names of every governor, sorted. */
  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /**
   * The governor of this name.
   *
   * @param latencyLimitCycles the largest exit latency a chosen state may have (a PM QoS latency
   *     request); {@code Long.MAX_VALUE} for none
   */
  public static IdleGovernor create(
      String name, CoreStateTable states, int cpus, long latencyLimitCycles) {
    Factory f = BY_NAME.get(name);
    if (f == null) {
      throw new IllegalArgumentException(
          "unknown idle governor \"" + name + "\"; known: " + String.join(", ", names()));
    }
    return f.create(states, cpus, latencyLimitCycles);
  }

  /**
   * Always the deepest state the latency limit allows, whatever the expected idle time: what a
   * guest does that issues one fixed MWAIT hint, or a host with a single enabled state.
   */
  static final class DeepestGovernor implements IdleGovernor {
    private final int choice;

    DeepestGovernor(CoreStateTable states, int cpus, long latencyLimitCycles) {
      choice = states.deepestFor(Long.MAX_VALUE, latencyLimitCycles);
    }

    @Override
    public int select(int cpu, long expectedIdleCycles) {
      return choice;
    }

    @Override
    public void reflect(int cpu, long idleCycles) {}
  }
}
