package dev.vsim.hypervisor.sched;

/**
 * Tunables of the {@link FairScheduler}, in host cycles.
 *
 * <p>The Linux defaults (CFS, {@code kernel/sched/fair.c} before EEVDF replaced it in 6.6) are
 * {@code sysctl_sched_latency} 6 ms, {@code sysctl_sched_min_granularity} 0.75 ms and {@code
 * sysctl_sched_wakeup_granularity} 1 ms, each multiplied at boot by {@code 1 + ilog2(min(ncpus,
 * 8))} ({@code sched_init_granularity}, {@code SCHED_TUNABLESCALING_LOG}): 24 ms, 3 ms and 4 ms on
 * any host of 8 or more CPUs. {@link #linuxDefaults} applies that scaling.
 *
 * @param latencyCycles {@code sched_latency}: the period in which every runnable task of a run
 *     queue runs once, while there are at most {@code latency / minGranularity} of them
 * @param minGranularityCycles {@code sched_min_granularity}: the shortest slice; with more tasks
 *     the period stretches to {@code nr_running x minGranularity}
 * @param wakeupGranularityCycles {@code sched_wakeup_granularity}: a waking task preempts the
 *     running one only if its vruntime is smaller by more than this (scaled to the waking task's
 *     weight)
 * @param balanceIntervalCycles how often the periodic load balancer runs. Linux balances each
 *     scheduling domain at its own interval ({@code sd_init}: the domain's CPU count in ms, times
 *     {@code busy_factor} on busy CPUs); one tick of 4 ms, a jiffy at {@code HZ=250}, stands in for
 *     that hierarchy
 * @param contextSwitchCycles cost of switching a pCPU to another task, charged before the incoming
 *     task runs. For a KVM vCPU thread it is a few microseconds: the Linux switch itself is 1-4 us
 *     (direct cost measured with lmbench-style ping-pong, e.g. Li, Ding and Shen, "Quantifying the
 *     cost of context switch", ExpCS 2007), plus KVM's {@code vcpu_put}/{@code vcpu_load} from the
 *     preempt notifiers (VMCS switch, user-return MSRs). {@link #linuxDefaults} uses 3 us.
 */
public record SchedulerParams(
    long latencyCycles,
    long minGranularityCycles,
    long wakeupGranularityCycles,
    long balanceIntervalCycles,
    long contextSwitchCycles) {

  /** {@code normalized_sysctl_sched_latency}, ns. */
  public static final long LATENCY_NS = 6_000_000;

  /** {@code normalized_sysctl_sched_min_granularity}, ns. */
  public static final long MIN_GRANULARITY_NS = 750_000;

  /** {@code normalized_sysctl_sched_wakeup_granularity}, ns. */
  public static final long WAKEUP_GRANULARITY_NS = 1_000_000;

  /** Default periodic balancing interval, ns (see {@code balanceIntervalCycles}). */
  public static final long BALANCE_INTERVAL_NS = 4_000_000;

  /** Default vCPU thread switch, ns (see {@code contextSwitchCycles}). */
  public static final long CONTEXT_SWITCH_NS = 3_000;

  public SchedulerParams {
    positive("latencyCycles", latencyCycles);
    positive("minGranularityCycles", minGranularityCycles);
    if (wakeupGranularityCycles < 0) {
      throw new IllegalArgumentException("wakeupGranularityCycles cannot be negative");
    }
    positive("balanceIntervalCycles", balanceIntervalCycles);
    if (contextSwitchCycles < 0) {
      throw new IllegalArgumentException("contextSwitchCycles cannot be negative");
    }
    if (minGranularityCycles > latencyCycles) {
      throw new IllegalArgumentException(
          "minGranularityCycles ("
              + minGranularityCycles
              + ") cannot exceed latencyCycles ("
              + latencyCycles
              + ")");
    }
  }

  /**
   * The Linux defaults, scaled for {@code cpus} online CPUs as the kernel does, at a clock of
   * {@code frequencyHz}.
   */
  public static SchedulerParams linuxDefaults(long frequencyHz, int cpus) {
    positive("frequencyHz", frequencyHz);
    positive("cpus", cpus);
    long factor = 1 + (31 - Integer.numberOfLeadingZeros(Math.min(cpus, 8)));
    return new SchedulerParams(
        cycles(LATENCY_NS * factor, frequencyHz),
        cycles(MIN_GRANULARITY_NS * factor, frequencyHz),
        cycles(WAKEUP_GRANULARITY_NS * factor, frequencyHz),
        cycles(BALANCE_INTERVAL_NS, frequencyHz),
        cycles(CONTEXT_SWITCH_NS, frequencyHz));
  }

  public SchedulerParams withContextSwitchCycles(long cycles) {
    return new SchedulerParams(
        latencyCycles,
        minGranularityCycles,
        wakeupGranularityCycles,
        balanceIntervalCycles,
        cycles);
  }

  public SchedulerParams withBalanceIntervalCycles(long cycles) {
    return new SchedulerParams(
        latencyCycles, minGranularityCycles, wakeupGranularityCycles, cycles, contextSwitchCycles);
  }

  /**
   * {@code sched_nr_latency}: beyond this many runnable tasks the period stretches instead of the
   * slices shrinking below the minimum granularity.
   */
  public long nrLatency() {
    return (latencyCycles + minGranularityCycles - 1) / minGranularityCycles;
  }

  private static long cycles(long ns, long frequencyHz) {
    return Math.multiplyExact(ns, frequencyHz) / 1_000_000_000L;
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
