package dev.vsim.cpu.power;

/**
 * The OS policy that picks a core idle state when a CPU has nothing to run and its idle loop leaves
 * the choice to cpuidle (Linux's menu or teo governors). One instance serves every CPU of a host
 * and keeps its per-CPU history in primitive arrays.
 */
public interface IdleGovernor {
  /**
   * The state (an index of the {@link CoreStateTable}) to enter.
   *
   * @param cpu the logical CPU going idle
   * @param expectedIdleCycles cycles until the next known wake-up (the next timer), or {@link
   *     PowerModel#UNKNOWN} when none is armed
   */
  int select(int cpu, long expectedIdleCycles);

  /** Told how long the idle period that just ended lasted, for governors that learn from it. */
  void reflect(int cpu, long idleCycles);
}
