package dev.vsim.cpu.power;

import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.profile.PackageCState;
import dev.vsim.cpu.profile.Power;
import dev.vsim.cpu.profile.Topology;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import java.util.List;

/**
 * Core and package idle states and turbo frequency of a host, in the terms turbostat reports them.
 *
 * <p>The scheduler says when each logical CPU starts running ({@link #busy}) and when it goes idle
 * with which requested state ({@link #idle}). A physical core is in C0 while any of its SMT threads
 * is busy; otherwise it is in the shallowest state its threads requested. Polling idle ({@code
 * idle=poll}, or a vCPU thread spinning) never calls {@link #idle}, so the core stays in C0. A
 * package is in the deepest package state whose condition holds: every one of its cores has been in
 * that state's core state or deeper for the state's entry delay, and the platform tolerates the
 * state's exit latency. A state with no entry delay (PC2) is the package's transitional state: it
 * is entered as soon as every core is idle deeply enough and held while no deeper state qualifies
 * (the coordination with the platform is under way, or its latency tolerance forbids a deeper
 * state). Cores in C0 or in states shallower than the turbo's inactive state count as active, and
 * the package's active-core count selects the turbo bin that every busy core of the package runs
 * at.
 *
 * <p>Time is in cycles of the base clock and only moves forward. Logical CPUs are numbered as Linux
 * numbers them on Intel servers: CPU {@code i} is a thread of physical core {@code i % cores}
 * (first the first thread of every core, socket by socket, then the second threads), and core
 * {@code k} is in package {@code k / coresPerSocket}. Every CPU starts busy at time 0 (a CPU is in
 * C0 until something tells it it is idle).
 *
 * <p>The hot path ({@link #busy}, {@link #idle}) works on primitive arrays and allocates nothing.
 */
public final class PowerModel {
  /** The running state, as a core state index. */
  public static final int C0 = -1;

  /** An idle request that leaves the choice of state to the idle governor. */
  public static final int GOVERNOR = -2;

  /** An expected idle time when no wake-up is armed. */
  public static final long UNKNOWN = Long.MAX_VALUE;

  private static final long NEVER = Long.MAX_VALUE;

  private final CoreStateTable states;
  private final IdleGovernor governor;
  private final int n;
  private final int cpus;
  private final int cores;
  private final int coresPerPackage;
  private final int threadsPerCore;
  private final int packages;
  private final boolean c1ePromotion;
  private final boolean autoDemotion;
  private final long deepStateDelay;
  private final int c1;
  private final int c1e;
  private final int inactiveState;
  private final long[] turboHz;

  private final String[] packageStateNames;
  private final int[] packageMinState;
  private final long[] packageEntryDelay;
  private final boolean[] packageTolerated;
  private final int m;

  // Per logical CPU.
  private final boolean[] threadBusy;
  private final int[] threadState;
  private final int[] threadTarget;
  private final long[] threadPromoteAt;
  private final long[] threadIdleSince;
  private final long[] lastIdleCycles;
  private long nextPromotion = NEVER;

  // Per physical core.
  private final int[] coreState;
  private final long[] coreSince;
  private final long[] coreResidency;
  private final double[] c0StartIntegral;
  private final double[] busyHzCycles;
  private final long[] wakeups;

  // Per package.
  private final int[] activeCores;
  private final double[] frequencyIntegral;
  private final long[] frequencySince;
  private final int[] coresAtLeast;
  private final long[] allAtLeastSince;
  private final long[] packageResidency;
  private final long[] packageAccountedUntil;

  private long horizon;

  /** A power model of the profile's host, with the named idle governor and no latency limit. */
  public PowerModel(HardwareProfile profile, String governor, StatGroup stats) {
    this(profile.power(), profile.topology(), profile.frequency().baseHz(), governor, stats);
  }

  public PowerModel(Power power, Topology topology, long baseHz, String governor, StatGroup stats) {
    this(power, topology, new CoreStateTable(power, baseHz), governor, Long.MAX_VALUE, stats);
  }

  /**
   * @param latencyLimitCycles the largest exit latency the governor may choose (a PM QoS request)
   * @param stats the group to register under (e.g. {@code host.power}); null for none
   */
  public PowerModel(
      Power power,
      Topology topology,
      CoreStateTable states,
      String governor,
      long latencyLimitCycles,
      StatGroup stats) {
    this.states = states;
    this.n = states.size();
    this.cores = topology.sockets() * topology.coresPerSocket();
    this.coresPerPackage = topology.coresPerSocket();
    this.threadsPerCore = topology.threadsPerCore();
    this.packages = topology.sockets();
    this.cpus = topology.hardwareThreads();
    this.governor = IdleGovernors.create(governor, states, cpus, latencyLimitCycles);
    this.c1ePromotion = power.c1eAutoPromotion();
    this.autoDemotion = power.autoDemotion();
    this.deepStateDelay = power.deepStateDelay().toCycles(states.baseHz());
    this.c1 = states.forMwaitHint(Power.C1_HINT);
    this.c1e = power.c1eAutoPromotion() ? states.forMwaitHint(Power.C1E_HINT) : c1;
    this.inactiveState = states.index(power.turbo().inactiveCoreState());
    this.turboHz = new long[coresPerPackage + 1];
    for (int active = 0; active <= coresPerPackage; active++) {
      turboHz[active] = power.turbo().hz(Math.max(1, active));
    }

    List<String> pkgNames = power.packageStateNames();
    this.m = pkgNames.size();
    this.packageStateNames = pkgNames.toArray(new String[0]);
    this.packageMinState = new int[m];
    this.packageEntryDelay = new long[m];
    this.packageTolerated = new boolean[m];
    long tolerance = power.packageLatencyTolerance().toCycles(states.baseHz());
    for (int k = 0; k < m; k++) {
      PackageCState s = power.packageStates().get(packageStateNames[k]);
      packageMinState[k] = states.index(s.minCoreState());
      packageEntryDelay[k] = s.entryDelay().toCycles(states.baseHz());
      packageTolerated[k] = s.exitLatency().toCycles(states.baseHz()) <= tolerance;
    }

    threadBusy = new boolean[cpus];
    threadState = new int[cpus];
    threadTarget = new int[cpus];
    threadPromoteAt = new long[cpus];
    threadIdleSince = new long[cpus];
    lastIdleCycles = new long[cpus];
    java.util.Arrays.fill(threadBusy, true);
    java.util.Arrays.fill(threadState, C0);
    java.util.Arrays.fill(threadTarget, C0);
    java.util.Arrays.fill(threadPromoteAt, NEVER);
    java.util.Arrays.fill(lastIdleCycles, -1);

    coreState = new int[cores];
    java.util.Arrays.fill(coreState, C0);
    coreSince = new long[cores];
    coreResidency = new long[cores * (n + 1)];
    c0StartIntegral = new double[cores];
    busyHzCycles = new double[cores];
    wakeups = new long[cores];

    activeCores = new int[packages];
    java.util.Arrays.fill(activeCores, coresPerPackage);
    frequencyIntegral = new double[packages];
    frequencySince = new long[packages];
    coresAtLeast = new int[packages * n];
    allAtLeastSince = new long[packages * n];
    packageResidency = new long[packages * m];
    packageAccountedUntil = new long[packages];

    if (stats != null) {
      register(stats);
    }
  }

  // ---------------------------------------------------------------- the scheduler's calls

  /**
   * Logical CPU {@code cpu} starts running at {@code now}.
   *
   * @return the cycles its core needs to leave the idle state it was in (the state's exit latency),
   *     to delay the wake-up by; 0 if the CPU was running or its core was in C0
   */
  public long busy(int cpu, long now) {
    advanceTo(now);
    if (threadBusy[cpu]) {
      return 0;
    }
    int core = coreOf(cpu);
    int state = coreState[core];
    long idled = now - threadIdleSince[cpu];
    governor.reflect(cpu, idled);
    lastIdleCycles[cpu] = idled;
    threadBusy[cpu] = true;
    threadState[cpu] = C0;
    threadTarget[cpu] = C0;
    threadPromoteAt[cpu] = NEVER; // a stale nextPromotion is skipped by processPromotions
    updateCore(core, now);
    if (state == C0) {
      return 0;
    }
    wakeups[core]++;
    return states.exitLatencyCycles(state);
  }

  /**
   * Logical CPU {@code cpu} goes idle at {@code now}, requesting core state {@code requested} (an
   * index of {@link #states()}, e.g. from {@link #stateForMwaitHint} or {@link #hltState}), or
   * {@link #GOVERNOR} to let the idle governor choose with no timer armed.
   */
  public void idle(int cpu, long now, int requested) {
    idle(cpu, now, requested, UNKNOWN);
  }

  /**
   * As {@link #idle(int, long, int)}, telling the governor the cycles until the CPU's next timer.
   */
  public void idle(int cpu, long now, int requested, long expectedIdleCycles) {
    advanceTo(now);
    if (!threadBusy[cpu]) {
      throw new IllegalStateException("cpu" + cpu + " is already idle at cycle " + now);
    }
    int state = requested == GOVERNOR ? governor.select(cpu, expectedIdleCycles) : requested;
    if (state < 0 || state >= n) {
      throw new IllegalArgumentException("no core idle state " + requested);
    }
    // Auto-demotion: the hardware keeps a core out of a deep state after a short idle period.
    long last = lastIdleCycles[cpu];
    if (autoDemotion && last >= 0 && states.targetResidencyCycles(state) > last) {
      state = Math.min(state, states.deepestFor(last, Long.MAX_VALUE));
    }
    if (state == c1) {
      state = c1e; // C1E auto-promotion, when enabled (c1e == c1 otherwise)
    }
    threadBusy[cpu] = false;
    threadIdleSince[cpu] = now;
    if (deepStateDelay > 0 && states.isDeep(state)) {
      // Delayed deep C-states: wait in C1 before committing to the deep state.
      threadState[cpu] = c1;
      threadTarget[cpu] = state;
      threadPromoteAt[cpu] = now + deepStateDelay;
      nextPromotion = Math.min(nextPromotion, threadPromoteAt[cpu]);
    } else {
      threadState[cpu] = state;
      threadTarget[cpu] = state;
    }
    updateCore(coreOf(cpu), now);
  }

  /** Brings the model to {@code now} (pending promotions) so that queries cover [0, now). */
  public void advanceTo(long now) {
    if (now < horizon) {
      throw new IllegalArgumentException(
          "time went backwards: cycle " + now + " after cycle " + horizon);
    }
    processPromotions(now);
    horizon = now;
  }

  // ---------------------------------------------------------------- queries

  /** The core idle states, shallowest first. */
  public CoreStateTable states() {
    return states;
  }

  /** The state HLT requests (C1; the hardware may promote it to C1E). */
  public int hltState() {
    return c1;
  }

  /** The state an MWAIT with this hint requests. */
  public int stateForMwaitHint(int hint) {
    return states.forMwaitHint(hint);
  }

  /** Number of package idle states. */
  public int packageStates() {
    return m;
  }

  /** Package state names, shallowest first. */
  public String packageStateName(int k) {
    return packageStateNames[k];
  }

  public int packageStateIndex(String name) {
    for (int k = 0; k < m; k++) {
      if (packageStateNames[k].equals(name)) {
        return k;
      }
    }
    throw new IllegalArgumentException("no package idle state \"" + name + "\"");
  }

  public int cores() {
    return cores;
  }

  public int packages() {
    return packages;
  }

  /** The physical core logical CPU {@code cpu} is a thread of. */
  public int coreOf(int cpu) {
    return cpu % cores;
  }

  /** The package physical core {@code core} is in. */
  public int packageOf(int core) {
    return core / coresPerPackage;
  }

  /** The core's state now: {@link #C0} or a core state index. */
  public int coreState(int core) {
    return coreState[core];
  }

  /** Cycles from 0 to the last time the model was told about. */
  public long elapsedCycles() {
    return horizon;
  }

  /** Cycles the core spent in {@code state} ({@link #C0} or a core state index). */
  public long coreResidencyCycles(int core, int state) {
    long open = coreState[core] == state ? horizon - coreSince[core] : 0;
    return coreResidency[core * (n + 1) + state + 1] + open;
  }

  /** Fraction of the elapsed time the core spent in {@code state}. */
  public double coreResidency(int core, int state) {
    return fraction(coreResidencyCycles(core, state));
  }

  /** Cycles package {@code pkg} spent in package state {@code k}. */
  public long packageResidencyCycles(int pkg, int k) {
    return packageResidency[pkg * m + k]
        + packageCycles(pkg, k, packageAccountedUntil[pkg], horizon);
  }

  /** Fraction of the elapsed time package {@code pkg} spent in package state {@code k}. */
  public double packageResidency(int pkg, int k) {
    return fraction(packageResidencyCycles(pkg, k));
  }

  /** Cores of the package that count as active for turbo now. */
  public int activeCores(int pkg) {
    return activeCores[pkg];
  }

  /** The frequency a busy core of the package runs at now. */
  public long packageFrequencyHz(int pkg) {
    return turboHz[activeCores[pkg]];
  }

  /** The turbo limit with this many active cores in a package. */
  public long turboHz(int active) {
    return turboHz[Math.min(Math.max(active, 0), coresPerPackage)];
  }

  /**
   * The core's frequency averaged over the time it was busy (turbostat's Bzy_MHz, in Hz); 0 if it
   * was never busy.
   */
  public double averageBusyFrequencyHz(int core) {
    long busy = coreResidencyCycles(core, C0);
    if (busy == 0) {
      return 0;
    }
    double open =
        coreState[core] == C0 ? integralAt(packageOf(core), horizon) - c0StartIntegral[core] : 0;
    return (busyHzCycles[core] + open) / busy;
  }

  /** Times the core woke from an idle state. */
  public long wakeups(int core) {
    return wakeups[core];
  }

  // ---------------------------------------------------------------- mechanics

  private void processPromotions(long now) {
    while (nextPromotion <= now) {
      int cpu = -1;
      long at = NEVER;
      for (int i = 0; i < cpus; i++) {
        if (threadPromoteAt[i] < at) {
          at = threadPromoteAt[i];
          cpu = i;
        }
      }
      nextPromotion = at;
      if (at > now) {
        return;
      }
      threadState[cpu] = threadTarget[cpu];
      threadPromoteAt[cpu] = NEVER;
      updateCore(coreOf(cpu), at);
      // nextPromotion (= at) keeps the loop going; the next scan finds the true next one.
    }
  }

  /** A core is in the shallowest state of its threads; C0 if any runs. */
  private void updateCore(int core, long t) {
    int state = Integer.MAX_VALUE;
    for (int thread = 0; thread < threadsPerCore; thread++) {
      state = Math.min(state, threadState[core + thread * cores]);
    }
    setCoreState(core, state, t);
  }

  private void setCoreState(int core, int next, long t) {
    int prev = coreState[core];
    if (prev == next) {
      return;
    }
    int pkg = packageOf(core);
    accountPackage(pkg, t); // under the conditions that held until now
    coreResidency[core * (n + 1) + prev + 1] += t - coreSince[core];
    coreSince[core] = t;

    boolean wasActive = prev < inactiveState;
    boolean isActive = next < inactiveState;
    if (prev == C0 || next == C0 || wasActive != isActive) {
      double integral = integralAt(pkg, t);
      if (prev == C0) {
        busyHzCycles[core] += integral - c0StartIntegral[core];
      }
      if (next == C0) {
        c0StartIntegral[core] = integral;
      }
      if (wasActive != isActive) {
        frequencyIntegral[pkg] = integral;
        frequencySince[pkg] = t;
        activeCores[pkg] += isActive ? 1 : -1;
      }
    }

    int base = pkg * n;
    for (int s = prev + 1; s <= next; s++) {
      if (++coresAtLeast[base + s] == coresPerPackage) {
        allAtLeastSince[base + s] = t;
      }
    }
    for (int s = next + 1; s <= prev; s++) {
      coresAtLeast[base + s]--;
    }
    coreState[core] = next;
  }

  /** The package's frequency integrated over time up to t, in Hz x cycles. */
  private double integralAt(int pkg, long t) {
    return frequencyIntegral[pkg] + (double) (t - frequencySince[pkg]) * turboHz[activeCores[pkg]];
  }

  private void accountPackage(int pkg, long t) {
    long from = packageAccountedUntil[pkg];
    if (t <= from) {
      return;
    }
    for (int k = 0; k < m; k++) {
      packageResidency[pkg * m + k] += packageCycles(pkg, k, from, t);
    }
    packageAccountedUntil[pkg] = t;
  }

  /**
   * Cycles of [from, to) the package spends in state k, given that the cores' states do not change
   * in between: from the moment k becomes eligible until a deeper state does.
   */
  private long packageCycles(int pkg, int k, long from, long to) {
    long start = eligibleFrom(pkg, k, from);
    long end = to;
    for (int j = k + 1; j < m; j++) {
      end = Math.min(end, eligibleFrom(pkg, j, from));
    }
    return Math.max(0, end - start);
  }

  private long eligibleFrom(int pkg, int k, long from) {
    int s = pkg * n + packageMinState[k];
    if (!packageTolerated[k] || coresAtLeast[s] < coresPerPackage) {
      return NEVER;
    }
    return Math.max(from, allAtLeastSince[s] + packageEntryDelay[k]);
  }

  private double fraction(long cycles) {
    return horizon == 0 ? 0 : (double) cycles / horizon;
  }

  private void register(StatGroup stats) {
    for (int c = 0; c < cores; c++) {
      int core = c;
      StatGroup g = stats.group("core" + c);
      g.formula(
          "c0_residency",
          Unit.RATIO,
          "Fraction of the run this core spent in C0 (running)",
          () -> coreResidency(core, C0));
      for (int s = 0; s < n; s++) {
        int state = s;
        g.formula(
            states.statName(s) + "_residency",
            Unit.RATIO,
            "Fraction of the run this core spent in " + states.name(s),
            () -> coreResidency(core, state));
      }
      g.formula(
          "avg_frequency_hz",
          Unit.HZ,
          "Mean clock frequency of this core while busy",
          () -> averageBusyFrequencyHz(core));
      g.gauge("wakeups", Unit.COUNT, "Exits of this core from an idle state", () -> wakeups[core]);
    }
    for (int p = 0; p < packages; p++) {
      int pkg = p;
      StatGroup g = stats.group("package" + p);
      for (int k = 0; k < m; k++) {
        int state = k;
        g.formula(
            CoreStateTable.statName(packageStateNames[k]) + "_residency",
            Unit.RATIO,
            "Fraction of the run this package spent in " + packageStateNames[k],
            () -> packageResidency(pkg, state));
      }
    }
  }
}
