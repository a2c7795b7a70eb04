package dev.vsim.cpu.power;

import dev.vsim.cpu.profile.CoreCState;
import dev.vsim.cpu.profile.Power;
import java.util.List;
import java.util.Locale;

/**
 * The profile's core idle states indexed from the shallowest (0, always C1) to the deepest, with
 * their latencies converted to cycles of the base clock once, for the hot path and the governors.
 */
public final class CoreStateTable {
  private final String[] names;
  private final int[] mwaitHints;
  private final long[] exitLatencyCycles;
  private final long[] targetResidencyCycles;
  private final long baseHz;

  public CoreStateTable(Power power, long baseHz) {
    List<String> ordered = power.coreStateNames();
    int n = ordered.size();
    names = ordered.toArray(new String[0]);
    mwaitHints = new int[n];
    exitLatencyCycles = new long[n];
    targetResidencyCycles = new long[n];
    for (int i = 0; i < n; i++) {
      CoreCState s = power.coreStates().get(names[i]);
      mwaitHints[i] = s.mwaitHint();
      exitLatencyCycles[i] = s.exitLatency().toCycles(baseHz);
      targetResidencyCycles[i] = s.targetResidency().toCycles(baseHz);
    }
    this.baseHz = baseHz;
  }

  /** Number of core idle states. */
  public int size() {
    return names.length;
  }

  public String name(int state) {
    return names[state];
  }

  /** The state's name as a statistic prefix: {@code "C1E"} becomes {@code "c1e"}. */
  public String statName(int state) {
    return statName(names[state]);
  }

  public static String statName(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  /** Index of the state of this name. */
  public int index(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "no core idle state \"" + name + "\"; known: " + String.join(", ", names));
  }

  /**
   * The state an MWAIT with this hint enters: the deepest state whose hint is not deeper than the
   * one asked for (a processor treats an unsupported sub-state as the closest shallower one).
   */
  public int forMwaitHint(int hint) {
    int best = 0;
    for (int i = 0; i < mwaitHints.length; i++) {
      if (mwaitHints[i] <= hint) {
        best = i;
      }
    }
    return best;
  }

  public int mwaitHint(int state) {
    return mwaitHints[state];
  }

  /** Deep states (the hint's C-state field is 1 or more: C3 and deeper) flush the core's caches. */
  public boolean isDeep(int state) {
    return (mwaitHints[state] >>> 4) >= 1;
  }

  public long exitLatencyCycles(int state) {
    return exitLatencyCycles[state];
  }

  public long targetResidencyCycles(int state) {
    return targetResidencyCycles[state];
  }

  /**
   * The deepest state worth entering for an idle period of {@code idleCycles} whose exit latency is
   * within {@code latencyLimitCycles}; the shallowest state when none is.
   */
  public int deepestFor(long idleCycles, long latencyLimitCycles) {
    int best = 0;
    for (int i = 0; i < names.length; i++) {
      if (targetResidencyCycles[i] <= idleCycles && exitLatencyCycles[i] <= latencyLimitCycles) {
        best = i;
      }
    }
    return best;
  }

  /** The base clock the cycle counts are in. */
  public long baseHz() {
    return baseHz;
  }
}
