package dev.vsim.cpu.power;

import dev.vsim.cpu.registry.Registry;
import java.util.List;

/** The idle governors a scenario can name. */
public final class IdleGovernors {
  private IdleGovernors() {}

  /** Builds a governor for a host's CPUs and its state table. */
  @FunctionalInterface
  public interface Factory {
    IdleGovernor create(CoreStateTable states, int cpus, long latencyLimitCycles);
  }

  /** Every governor by the name a scenario gives it, the default first. */
  public static final Registry<Factory> REGISTRY =
      new Registry<Factory>(
              "idle governor",
              "the host OS policy that picks a core idle state when a CPU has nothing to run")
          .register(
              "menu",
              "Linux's menu governor: predicts the idle time from the next timer and recent"
                  + " history, then picks the deepest state worth entering (the default)",
              MenuGovernor::new)
          .register(
              "deepest",
              "always the deepest state the latency limit allows, whatever the expected idle time",
              DeepestGovernor::new);

  /** Names of every governor, in registration order. */
  public static List<String> names() {
    return REGISTRY.names();
  }

  /**
   * The governor of this name.
   *
   * @param latencyLimitCycles the largest exit latency a chosen state may have (a PM QoS latency
   *     request); {@code Long.MAX_VALUE} for none
   * @throws IllegalArgumentException for an unknown name, with a did-you-mean
   */
  public static IdleGovernor create(
      String name, CoreStateTable states, int cpus, long latencyLimitCycles) {
    return REGISTRY.get(name).create(states, cpus, latencyLimitCycles);
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
