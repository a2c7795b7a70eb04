package dev.vsim.cpu.power;

/**
 * Linux's menu governor ({@code drivers/cpuidle/governors/menu.c}), reduced to its two predictors:
 * the time to the next timer, shortened to the typical length of the CPU's recent idle periods when
 * those are consistent (menu's {@code get_typical_interval}); then the deepest state whose target
 * residency fits the prediction and whose exit latency fits the latency limit, the limit being the
 * PM QoS request lowered to the predicted idle time (menu's interactivity limit with no task
 * waiting for I/O: {@code performance_multiplier} is then 1). Menu's per-bucket correction factors
 * are left out.
 */
final class MenuGovernor implements IdleGovernor {
  /** Recent idle periods remembered per CPU, as in menu.c. */
  static final int INTERVALS = 8;

  private final CoreStateTable states;
  private final long latencyLimitCycles;
  private final long[] intervals;
  private final int[] next;
  private final int[] filled;

  /** menu.c accepts a spread of up to 20 us standard deviation as "consistent" outright. */
  private final double steadyVariance;

  MenuGovernor(CoreStateTable states, int cpus, long latencyLimitCycles) {
    this.states = states;
    this.latencyLimitCycles = latencyLimitCycles;
    this.intervals = new long[cpus * INTERVALS];
    this.next = new int[cpus];
    this.filled = new int[cpus];
    double twentyUs = states.baseHz() * 20e-6;
    this.steadyVariance = twentyUs * twentyUs;
  }

  @Override
  public int select(int cpu, long expectedIdleCycles) {
    long predicted = expectedIdleCycles;
    long typical = typicalInterval(cpu);
    if (typical >= 0 && typical < predicted) {
      predicted = typical;
    }
    return states.deepestFor(predicted, Math.min(latencyLimitCycles, predicted));
  }

  @Override
  public void reflect(int cpu, long idleCycles) {
    intervals[cpu * INTERVALS + next[cpu]] = idleCycles;
    next[cpu] = (next[cpu] + 1) % INTERVALS;
    if (filled[cpu] < INTERVALS) {
      filled[cpu]++;
    }
  }

  /**
   * The average of the recent idle periods if they are consistent (standard deviation at most a
   * sixth of the average, or under 20 us), dropping the longest as outliers while at least three
   * quarters remain; -1 when there is no such pattern.
   */
  long typicalInterval(int cpu) {
    if (filled[cpu] < INTERVALS) {
      return -1;
    }
    int base = cpu * INTERVALS;
    long threshold = Long.MAX_VALUE;
    while (true) {
      long max = 0;
      long sum = 0;
      int divisor = 0;
      for (int i = 0; i < INTERVALS; i++) {
        long v = intervals[base + i];
        if (v <= threshold) {
          sum += v;
          divisor++;
          max = Math.max(max, v);
        }
      }
      double avg = (double) sum / divisor;
      double variance = 0;
      for (int i = 0; i < INTERVALS; i++) {
        long v = intervals[base + i];
        if (v <= threshold) {
          variance += (v - avg) * (v - avg);
        }
      }
      variance /= divisor;
      boolean enoughLeft = divisor * 4 >= INTERVALS * 3;
      if ((avg * avg > variance * 36 && enoughLeft) || variance <= steadyVariance) {
        return Math.round(avg);
      }
      if (divisor * 4 <= INTERVALS * 3) {
        return -1;
      }
      threshold = max - 1;
    }
  }
}
