package dev.vsim.hypervisor.sched;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.Topology;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import java.util.Arrays;

/**
 * The host's fair scheduler, after Linux CFS: it shares pCPUs among vCPU threads and other host
 * tasks in proportion to their weights.
 *
 * <p><b>Run queues.</b> Each pCPU has a {@link RunQueue} of waiting tasks ordered by virtual
 * runtime, the CPU time a task has received divided by its weight ({@code NICE_0_WEIGHT / weight}
 * per cycle). The running task gets a slice of the period in proportion to its weight, where the
 * period is {@code sched_latency}, stretched to {@code nr_running x min_granularity} when more than
 * {@code latency / min_granularity} tasks share the pCPU ({@code sched_slice}); a slice is never
 * shorter than {@code min_granularity}. For equal weights the slice is {@code max(min_granularity,
 * latency / nr_running)}. When it expires the task with the smallest vruntime runs next; the
 * running task keeps the pCPU only if its vruntime is strictly the smallest.
 *
 * <p><b>Sleep and wake-up.</b> A task that blocks leaves the run queue and accrues nothing. When it
 * wakes, its vruntime is carried to the new run queue relative to the queues' {@code min_vruntime}
 * and placed at {@code max(vruntime, min_vruntime - latency / 2)} ({@code place_entity} with
 * GENTLE_FAIR_SLEEPERS), so a sleeper gets at most half a period of credit. A new task starts at
 * its queue's {@code min_vruntime}. The waking task goes to its previous pCPU if that is idle, else
 * to an idle pCPU, preferring the previous one's SMT siblings, then its socket, then any (a
 * simplified {@code select_idle_sibling}), else to its previous pCPU, where it preempts the running
 * task if its vruntime is smaller by more than {@code wakeup_granularity} ({@code
 * check_preempt_wakeup}). The preemption happens at once but through an event, like the reschedule
 * IPI, so the waker never sees a callback inside its own call.
 *
 * <p><b>Balancing.</b> A pCPU that goes idle pulls a waiting task from the busiest pCPU ({@code
 * newidle_balance}); every {@code balanceInterval} each pCPU in index order pulls waiting tasks
 * from the busiest pCPU of its core, then of its socket, then of the machine, while a move makes
 * the two loads (sums of weights) closer. Balancing ticks only run while some task waits.
 *
 * <p><b>Accounting.</b> A task's wait cycles are exactly the cycles it spent runnable in a run
 * queue, the steal time KVM reports to the guest ({@code sched_info.run_delay}). Its run cycles are
 * the cycles it was the pCPU's current task, the context switch included. pCPU {@code p} is
 * hardware thread {@code p} of the {@link Topology}, which alone says which core and socket it is
 * on (as Linux numbers a multi-socket Intel host: the first threads of all cores, socket by socket,
 * then the second threads), so the scheduler, the power model, NUMA placement and cache-line
 * distances agree on who is whose sibling. The core and socket levels are therefore sets of pCPUs,
 * not ranges of indices; each is searched in index order.
 *
 * <p>Every decision depends only on the order of calls and events: ties go to the smaller task id
 * or pCPU index, and nothing iterates a hash.
 */
public final class FairScheduler {
  /** Weight of a nice-0 task ({@code NICE_0_LOAD} without the fixed-point scaling). */
  public static final int NICE_0_WEIGHT = 1024;

  // sched_prio_to_weight[]: each nice step is about 10% of CPU (kernel/sched/core.c).
  private static final int[] NICE_TO_WEIGHT = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
    3906, 3121, 2501, 1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87,
    70, 56, 45, 36, 29, 23, 18, 15,
  };

  private static final long NONE = -1;

  private final EventKernel kernel;
  private final SchedulerParams params;
  private final int pcpus;
  private final Topology topology;
  // Per pCPU: the pCPUs of its core and of its socket, each in index order (shared by the
  // members of a core or socket). Derived from the Topology alone.
  private final int[][] coreCpus;
  private final int[][] socketCpus;
  private final int[] allCpus;
  private final long nrLatency;
  private final TaskTable tasks = new TaskTable();
  private SchedulerListener[] listeners = new SchedulerListener[0];

  // Per pCPU.
  private final RunQueue[] rq;
  private final int[] curr; // the current task (switching in or running), -1 when idle
  private final boolean[] started; // the current task's run() has been called
  private final long[] pickedAt; // when the current task's slice began
  private final long[] accountedTo; // the current task's run time is accounted up to here
  private final long[] minVruntime;
  private final long[] startEvent;
  // The slice timer moves at every switch (thousands of times a slice under overcommit), so the
  // kernel event stays where it is when the end moves later, and fires early to be placed again.
  // Each move takes the sequence number a rescheduled event would take, and the event is placed
  // under the latest, so a slice still ends exactly in the order of events that moving it gives.
  private final long[] sliceEvent; // the kernel event, at slicePlacedAt, or NONE
  private final long[] slicePlacedAt;
  private final long[] sliceAt; // when the slice ends, under sliceSeq
  private final long[] sliceSeq;
  private final long[] reschedEvent;
  private final long[] busySince; // -1 when idle
  private final long[] busyCycles;
  private final long[] pcpuSwitches;
  private final long[] idleMask; // bit p set: pCPU p has no current task

  private int waiting; // tasks in all run queues
  private long balanceEvent = NONE;

  private final Counter decisions;
  private final Counter wakeupPreemptions;
  private final Counter directedYields;
  private final Counter sliceExpiries;
  private final Counter idlePulls;
  private final Counter balanceMigrations;
  private final Counter wakeMigrations;

  private final EventHandler onStart = this::startTask;
  private final EventHandler onSliceEnd = this::sliceEnd;
  private final EventHandler onResched = this::resched;
  private final EventHandler onBalance = this::balanceTick;

  /**
   * @param topology the host; one pCPU per hardware thread
   * @param stats the scheduler's group ({@code host.sched}); pCPU statistics go to {@code pcpuN}
   */
  public FairScheduler(
      EventKernel kernel, Topology topology, SchedulerParams params, StatGroup stats) {
    this.kernel = kernel;
    this.params = params;
    this.pcpus = topology.hardwareThreads();
    this.topology = topology;
    this.coreCpus = groups(topology, true);
    this.socketCpus = groups(topology, false);
    this.allCpus = new int[pcpus];
    Arrays.setAll(allCpus, p -> p);
    this.nrLatency = params.nrLatency();
    rq = new RunQueue[pcpus];
    for (int p = 0; p < pcpus; p++) {
      rq[p] = new RunQueue(tasks);
    }
    curr = new int[pcpus];
    Arrays.fill(curr, -1);
    started = new boolean[pcpus];
    pickedAt = new long[pcpus];
    accountedTo = new long[pcpus];
    minVruntime = new long[pcpus];
    startEvent = filled(NONE);
    sliceEvent = filled(NONE);
    slicePlacedAt = new long[pcpus];
    sliceAt = new long[pcpus];
    sliceSeq = new long[pcpus];
    reschedEvent = filled(NONE);
    busySince = filled(-1);
    busyCycles = new long[pcpus];
    pcpuSwitches = new long[pcpus];
    idleMask = new long[(pcpus + 63) >>> 6];
    for (int p = 0; p < pcpus; p++) {
      idleMask[p >>> 6] |= 1L << p;
    }
    decisions =
        stats.counter(
            "decisions",
            Unit.COUNT,
            "Scheduling decisions: picks of a task to run and renewed slices");
    wakeupPreemptions =
        stats.counter(
            "wakeup_preemptions",
            Unit.COUNT,
            "Running tasks preempted by a woken task with less vruntime");
    directedYields =
        stats.counter(
            "directed_yields", Unit.COUNT, "yield_to calls that gave a pCPU to a chosen task");
    sliceExpiries = stats.counter("slice_expiries", Unit.COUNT, "Time slices that ran out");
    idlePulls =
        stats.counter(
            "idle_pulls", Unit.COUNT, "Tasks pulled by a pCPU about to go idle (newidle balance)");
    balanceMigrations =
        stats.counter("balance_migrations", Unit.COUNT, "Tasks moved by periodic load balancing");
    wakeMigrations =
        stats.counter(
            "wake_migrations", Unit.COUNT, "Tasks woken onto another pCPU than their last");
    for (int p = 0; p < pcpus; p++) {
      int q = p;
      StatGroup g = stats.group("pcpu" + p);
      g.gauge("busy_cycles", Unit.CYCLES, "Cycles this pCPU ran a task", () -> busyCycles(q));
      g.gauge(
          "context_switches", Unit.COUNT, "Context switches on this pCPU", () -> pcpuSwitches[q]);
    }
  }

  /** Per hardware thread, the threads of its core ({@code byCore}) or socket, in index order. */
  private static int[][] groups(Topology topology, boolean byCore) {
    int n = topology.hardwareThreads();
    int groups = byCore ? topology.sockets() * topology.coresPerSocket() : topology.sockets();
    int[] sizes = new int[groups];
    for (int p = 0; p < n; p++) {
      sizes[byCore ? topology.coreOf(p) : topology.socketOf(p)]++;
    }
    int[][] members = new int[groups][];
    for (int g = 0; g < groups; g++) {
      members[g] = new int[sizes[g]];
      sizes[g] = 0;
    }
    int[][] of = new int[n][];
    for (int p = 0; p < n; p++) {
      int g = byCore ? topology.coreOf(p) : topology.socketOf(p);
      members[g][sizes[g]++] = p;
      of[p] = members[g];
    }
    return of;
  }

  private long[] filled(long v) {
    long[] a = new long[pcpus];
    Arrays.fill(a, v);
    return a;
  }

  /** The CFS weight of a nice level (-20..19); nice 0 is {@link #NICE_0_WEIGHT}. */
  public static int weightOfNice(int nice) {
    if (nice < -20 || nice > 19) {
      throw new IllegalArgumentException("nice must be -20..19, got " + nice);
    }
    return NICE_TO_WEIGHT[nice + 20];
  }

  public SchedulerParams params() {
    return params;
  }

  /** Adds a listener; listeners hear events in the order they were added. */
  /**
   * The pCPUs' idle states (a power model): told when a pCPU goes idle, and asked for its exit
   * latency when it runs a task again, which delays the task's start.
   */
  public interface IdleStates {
    void idle(int pcpu, long now);

    long busy(int pcpu, long now);
  }

  private IdleStates idleStates;

  /** Puts the pCPUs' idle states under this scheduler; every pCPU is idle until it runs a task. */
  public void setIdleStates(IdleStates states) {
    this.idleStates = states;
    for (int p = 0; p < pcpus; p++) {
      if (busySince[p] < 0) {
        states.idle(p, kernel.now());
      }
    }
  }

  public void addListener(SchedulerListener l) {
    listeners = Arrays.copyOf(listeners, listeners.length + 1);
    listeners[listeners.length - 1] = l;
  }

  /**
   * Registers a task, not yet runnable: {@link #wake} or {@link #start} makes it so.
   *
   * @param weight CFS weight, {@link #NICE_0_WEIGHT} for nice 0
   * @param stats the task's group (e.g. {@code vm0.vcpu3.sched}): run and wait (steal) cycles,
   *     context switches, preemptions, migrations, wake-ups
   * @return the task id, numbered from 0 in order of registration
   */
  public int add(HostTask task, int weight, StatGroup stats) {
    if (weight <= 0) {
      throw new IllegalArgumentException("weight must be positive, got " + weight);
    }
    int id = tasks.add(task, weight);
    stats.gauge("run_cycles", Unit.CYCLES, "Cycles this task ran on a pCPU", () -> runCycles(id));
    stats.gauge(
        "wait_cycles",
        Unit.CYCLES,
        "Cycles this task was runnable but queued (steal time)",
        () -> stealCycles(id));
    stats.gauge(
        "context_switches",
        Unit.COUNT,
        "Times this task was switched in",
        () -> tasks.contextSwitches[id]);
    stats.gauge(
        "preemptions",
        Unit.COUNT,
        "Times this task was preempted while runnable",
        () -> tasks.preemptions[id]);
    stats.gauge(
        "migrations",
        Unit.COUNT,
        "Times this task moved to another pCPU",
        () -> tasks.migrations[id]);
    stats.gauge("wakeups", Unit.COUNT, "Times this task was woken", () -> tasks.wakeups[id]);
    return id;
  }

  /**
   * Makes a new task runnable on {@code pcpu}, as a thread created or pinned there starts (no
   * idle-pCPU search). Balancing may move it later.
   */
  public void start(int task, int pcpu) {
    checkTask(task);
    if (pcpu < 0 || pcpu >= pcpus) {
      throw new IllegalArgumentException("no pCPU " + pcpu);
    }
    if (tasks.pcpu[task] >= 0 || tasks.state[task] != TaskTable.BLOCKED) {
      throw new IllegalStateException("task " + task + " has already started");
    }
    enqueueWaking(task, pcpu, kernel.now());
  }

  /**
   * Makes a blocked task runnable (an interrupt for a halted vCPU, say); a task that is already
   * runnable is left alone. A task that never ran goes to the least loaded pCPU.
   *
   * @return whether the task was blocked
   */
  public boolean wake(int task) {
    checkTask(task);
    if (tasks.state[task] != TaskTable.BLOCKED) {
      return false;
    }
    enqueueWaking(task, selectPcpu(task), kernel.now());
    for (SchedulerListener l : listeners) {
      l.onWoken(task);
    }
    return true;
  }

  /**
   * The current task of its pCPU goes to sleep (a vCPU that executed HLT): it leaves the pCPU and
   * accrues neither run nor wait time until {@link #wake}.
   */
  public void block(int task) {
    checkTask(task);
    if (tasks.state[task] != TaskTable.RUNNING) {
      throw new IllegalStateException("only a running task can block; task " + task + " is not");
    }
    long now = kernel.now();
    int p = tasks.pcpu[task];
    updateCurr(p, now);
    clearCurr(p);
    tasks.state[task] = TaskTable.BLOCKED;
    pickNext(p, now);
  }

  /**
   * yield_to, as kvm_vcpu_on_spin uses it: the current task of {@code from}'s pCPU (a vCPU spinning
   * on a lock or a flush) gives up the rest of its turn, and {@code target}, a runnable task
   * waiting on its own pCPU's queue, runs there at once, ahead of its turn (CFS's next buddy: its
   * virtual runtime is not changed, so the others catch up afterwards).
   *
   * @return whether the target was waiting and now runs
   */
  public boolean yieldTo(int from, int target) {
    return directedYield(from, target) > 0;
  }

  /** {@link #directedYield}'s result when yielding is pointless ({@code -ESRCH}). */
  public static final int NO_TASK_TO_YIELD_TO = -3;

  /**
   * {@link #yieldTo} with the result the kernel's {@code yield_to} gives: positive if the target
   * now runs; {@link #NO_TASK_TO_YIELD_TO} ({@code -ESRCH}) if the yielder and the target each are
   * alone on their pCPU's run queue, where yielding makes no sense; 0 if the target is running or
   * not runnable (or the yielder is not running).
   */
  public int directedYield(int from, int target) {
    checkTask(from);
    checkTask(target);
    int q = tasks.pcpu[from];
    int p = tasks.pcpu[target];
    // "If we're the only runnable task on the rq and target rq also has only one task, there's
    // absolutely no point in yielding."
    if (q >= 0 && p >= 0 && nrRunning(q) == 1 && nrRunning(p) == 1) {
      return NO_TASK_TO_YIELD_TO;
    }
    if (tasks.state[target] != TaskTable.QUEUED || tasks.state[from] != TaskTable.RUNNING) {
      return 0;
    }
    long now = kernel.now();
    int c = curr[p];
    if (c < 0) {
      return 0;
    }
    updateCurr(p, now);
    directedYields.increment();
    // yield_to_task_fair makes the target its run queue's next buddy, and yield_to reschedules
    // that pCPU. pick_next_entity runs the next buddy only if that is not too unfair: its vruntime
    // at most a wake-up granularity (of the leftmost entity's weight) after the leftmost's
    // (wakeup_preempt_entity(next, left) < 1). Otherwise the reschedule picks the leftmost
    // entity, which may be the task already running there.
    int left = rq[p].first();
    if (tasks.before(c, left)) {
      left = c;
    }
    long gran = params.wakeupGranularityCycles() * NICE_0_WEIGHT / tasks.weight[left];
    boolean targetRuns = tasks.vruntime[target] - tasks.vruntime[left] <= gran;
    if (targetRuns) {
      preemptFor(p, target, now);
    } else if (q != p) {
      switchToLeftmost(p, now);
    }
    // The spinner yields its own pCPU (yield_task_fair's skip buddy) to the next waiting task,
    // if picking that one is not too unfair: its vruntime within a wake-up granularity.
    if ((targetRuns && q == p) || curr[q] != from || rq[q].isEmpty()) {
      return 1;
    }
    updateCurr(q, now);
    int next = rq[q].first();
    if (tasks.vruntime[next] - tasks.vruntime[from] <= params.wakeupGranularityCycles()) {
      preemptFor(q, next, now);
    }
    return 1;
  }

  private void enqueueWaking(int t, int p, long now) {
    updateCurr(p, now);
    int prev = tasks.pcpu[t];
    if (prev < 0) {
      tasks.vruntime[t] = minVruntime[p];
    } else {
      if (prev != p) {
        // Carry the lag relative to min_vruntime, as migrate_task_rq_fair does.
        tasks.vruntime[t] += minVruntime[p] - minVruntime[prev];
        tasks.migrations[t]++;
        wakeMigrations.increment();
      }
      tasks.vruntime[t] = Math.max(tasks.vruntime[t], minVruntime[p] - params.latencyCycles() / 2);
    }
    tasks.pcpu[t] = p;
    tasks.wakeups[t]++;
    enqueue(t, p, now);
    int c = curr[p];
    if (c < 0) {
      pickNext(p, now);
      return;
    }
    // Wake-up granularity in the woken task's virtual time (wakeup_gran).
    long gran = params.wakeupGranularityCycles() * NICE_0_WEIGHT / tasks.weight[t];
    if (tasks.vruntime[c] - tasks.vruntime[t] > gran && reschedEvent[p] == NONE) {
      reschedEvent[p] = kernel.schedule(now, onResched, p);
    }
    armSlice(p, now);
  }

  private void enqueue(int t, int p, long now) {
    tasks.state[t] = TaskTable.QUEUED;
    tasks.queuedSince[t] = now;
    rq[p].add(t);
    waiting++;
    if (balanceEvent == NONE) {
      long interval = params.balanceIntervalCycles();
      balanceEvent = kernel.schedule((now / interval + 1) * interval, onBalance, 0);
    }
  }

  /** Removes a waiting task from its queue; its wait is accounted up to now. */
  private void dequeue(int t, int p, long now) {
    rq[p].remove(t);
    waiting--;
    tasks.waitCycles[t] += now - tasks.queuedSince[t];
    tasks.queuedSince[t] = now;
  }

  /** Accounts the current task's run since the last update; advances min_vruntime. */
  private void updateCurr(int p, long now) {
    int t = curr[p];
    if (t < 0) {
      return;
    }
    long d = now - accountedTo[p];
    if (d > 0) {
      accountedTo[p] = now;
      tasks.runCycles[t] += d;
      int w = tasks.weight[t];
      if (w == NICE_0_WEIGHT) {
        tasks.vruntime[t] += d;
      } else {
        long scaled = d * NICE_0_WEIGHT + tasks.vruntimeRemainder[t];
        tasks.vruntime[t] += scaled / w;
        tasks.vruntimeRemainder[t] = scaled % w;
      }
    }
    updateMinVruntime(p);
  }

  private void updateMinVruntime(int p) {
    int t = curr[p];
    int left = rq[p].first();
    long v;
    if (t >= 0) {
      v = left >= 0 ? Math.min(tasks.vruntime[t], tasks.vruntime[left]) : tasks.vruntime[t];
    } else if (left >= 0) {
      v = tasks.vruntime[left];
    } else {
      return;
    }
    if (v > minVruntime[p]) {
      minVruntime[p] = v;
    }
  }

  /**
   * Takes the current task off {@code p} (accounted already) with its pending events. The slice
   * timer is left for the next task's {@link #armSlice} to move, or {@link #pickNext} to cancel if
   * the pCPU goes idle: nothing fires in between.
   */
  private void clearCurr(int p) {
    if (startEvent[p] != NONE) {
      kernel.cancel(startEvent[p]);
      startEvent[p] = NONE;
    }
    if (reschedEvent[p] != NONE) {
      kernel.cancel(reschedEvent[p]);
      reschedEvent[p] = NONE;
    }
    curr[p] = -1;
    started[p] = false;
  }

  /** Runs the leftmost waiting task on idle {@code p}, pulling one if the queue is empty. */
  private void pickNext(int p, long now) {
    if (rq[p].isEmpty() && !pullForIdle(p, now)) {
      cancelSlice(p);
      if (busySince[p] >= 0) {
        busyCycles[p] += now - busySince[p];
        busySince[p] = -1;
        if (idleStates != null) {
          idleStates.idle(p, now);
        }
      }
      idleMask[p >>> 6] |= 1L << p;
      return;
    }
    int t = rq[p].first();
    dequeue(t, p, now);
    switchIn(p, t, now);
  }

  /** {@code t} becomes current on {@code p}; its code starts after the context switch. */
  private void switchIn(int p, int t, long now) {
    decisions.increment();
    curr[p] = t;
    started[p] = false;
    tasks.state[t] = TaskTable.RUNNING;
    tasks.contextSwitches[t]++;
    pcpuSwitches[p]++;
    pickedAt[p] = now;
    accountedTo[p] = now;
    long wakeLatency = 0;
    if (busySince[p] < 0) {
      busySince[p] = now;
      idleMask[p >>> 6] &= ~(1L << p);
      if (idleStates != null) {
        wakeLatency = idleStates.busy(p, now); // the pCPU leaves its C-state first
      }
    }
    updateMinVruntime(p);
    startEvent[p] = kernel.schedule(now + params.contextSwitchCycles() + wakeLatency, onStart, p);
    armSlice(p, now);
  }

  private void startTask(long now, long arg) {
    int p = (int) arg;
    startEvent[p] = NONE;
    started[p] = true;
    int t = curr[p];
    for (SchedulerListener l : listeners) {
      l.onScheduledIn(t, p, now);
    }
    tasks.task[t].run(p, now);
  }

  /** Re-arms the slice timer of {@code p}: needed only while someone waits there. */
  private void armSlice(int p, long now) {
    int t = curr[p];
    if (t < 0 || rq[p].isEmpty()) {
      cancelSlice(p);
      return;
    }
    long at = Math.max(now, pickedAt[p] + slice(p, t));
    sliceAt[p] = at;
    sliceSeq[p] = kernel.reserveSequence();
    if (sliceEvent[p] != NONE && slicePlacedAt[p] <= at) {
      return; // it fires at or before the new end, and is placed again then
    }
    if (sliceEvent[p] != NONE) {
      kernel.cancel(sliceEvent[p]);
    }
    placeSlice(p);
  }

  private void placeSlice(int p) {
    sliceEvent[p] = kernel.scheduleAs(sliceAt[p], sliceSeq[p], onSliceEnd, p);
    slicePlacedAt[p] = sliceAt[p];
  }

  private void cancelSlice(int p) {
    if (sliceEvent[p] != NONE) {
      kernel.cancel(sliceEvent[p]);
      sliceEvent[p] = NONE;
    }
  }

  /** {@code sched_slice}: the weighted share of the period, at least the minimum granularity. */
  private long slice(int p, int t) {
    RunQueue q = rq[p];
    long nr = q.size() + 1;
    long w = tasks.weight[t];
    long period = nr > nrLatency ? nr * params.minGranularityCycles() : params.latencyCycles();
    long s = period * w / (q.weight() + w);
    return Math.max(s, params.minGranularityCycles());
  }

  private void sliceEnd(long now, long arg) {
    int p = (int) arg;
    sliceEvent[p] = NONE;
    if (sliceSeq[p] != kernel.firingSequence()) {
      placeSlice(p); // the slice's end moved (later) since the event was placed
      return;
    }
    sliceExpiries.increment();
    switchToLeftmost(p, now);
  }

  private void resched(long now, long arg) {
    int p = (int) arg;
    reschedEvent[p] = NONE;
    if (switchToLeftmost(p, now)) {
      wakeupPreemptions.increment();
    }
  }

  /**
   * The running task of {@code p} yields to the leftmost waiting task unless its own vruntime is
   * strictly smaller; in that case it starts a new slice. Returns whether it was preempted.
   */
  private boolean switchToLeftmost(int p, long now) {
    int t = curr[p];
    int left = rq[p].first();
    if (t < 0 || left < 0) {
      return false;
    }
    updateCurr(p, now);
    if (tasks.vruntime[t] < tasks.vruntime[left]) {
      decisions.increment();
      pickedAt[p] = now;
      armSlice(p, now);
      return false;
    }
    preemptFor(p, left, now);
    return true;
  }

  /**
   * The current task of {@code p} (accounted up to now) goes back to the queue and {@code next},
   * waiting there, runs instead.
   */
  private void preemptFor(int p, int next, long now) {
    int t = curr[p];
    boolean wasStarted = started[p];
    clearCurr(p);
    tasks.preemptions[t]++;
    dequeue(next, p, now);
    enqueue(t, p, now);
    if (wasStarted) {
      tasks.task[t].preempt(now);
      for (SchedulerListener l : listeners) {
        l.onPreempted(t, now);
      }
    }
    switchIn(p, next, now);
  }

  /** Wake-up target: previous pCPU if idle, else an idle one near it, else the previous one. */
  private int selectPcpu(int t) {
    int prev = tasks.pcpu[t];
    if (prev < 0) {
      return leastLoaded();
    }
    if (isIdle(prev)) {
      return prev;
    }
    int idle = firstIdle(coreCpus[prev]);
    if (idle < 0) {
      idle = firstIdle(socketCpus[prev]);
    }
    if (idle < 0) {
      idle = nextIdle(0, pcpus);
    }
    return idle >= 0 ? idle : prev;
  }

  private int leastLoaded() {
    int best = 0;
    long bestLoad = Long.MAX_VALUE;
    for (int p = 0; p < pcpus; p++) {
      long l = load(p);
      if (l < bestLoad) {
        best = p;
        bestLoad = l;
      }
    }
    return best;
  }

  private boolean isIdle(int p) {
    return (idleMask[p >>> 6] & (1L << p)) != 0;
  }

  /** The first idle pCPU of {@code group} (in index order), or -1. */
  private int firstIdle(int[] group) {
    for (int p : group) {
      if (isIdle(p)) {
        return p;
      }
    }
    return -1;
  }

  /** The first idle pCPU in [from, to), or -1. */
  private int nextIdle(int from, int to) {
    int w = from >>> 6;
    long bits = idleMask[w] & (-1L << from);
    while (true) {
      if (bits != 0) {
        int p = (w << 6) + Long.numberOfTrailingZeros(bits);
        return p < to ? p : -1;
      }
      if (++w >= idleMask.length || (w << 6) >= to) {
        return -1;
      }
      bits = idleMask[w];
    }
  }

  /** Sum of the weights of the current and waiting tasks of {@code p}. */
  private long load(int p) {
    int t = curr[p];
    return rq[p].weight() + (t >= 0 ? tasks.weight[t] : 0);
  }

  /**
   * newidle_balance: idle {@code p} takes one waiting task from the busiest pCPU, nearest first.
   */
  private boolean pullForIdle(int p, long now) {
    if (waiting == 0) {
      return false;
    }
    for (int level = 0; level < 3; level++) {
      int src = busiest(p, level);
      if (src >= 0) {
        migrate(candidate(src), src, p, now);
        idlePulls.increment();
        return true;
      }
    }
    return false;
  }

  private void balanceTick(long now, long arg) {
    balanceEvent = NONE;
    // A move never raises the largest load, so a pCPU already at it has nobody to pull from.
    long maxLoad = 0;
    for (int p = 0; p < pcpus; p++) {
      maxLoad = Math.max(maxLoad, load(p));
    }
    for (int p = 0; p < pcpus && waiting > 0; p++) {
      if (load(p) >= maxLoad) {
        continue;
      }
      for (int level = 0; level < 3; level++) {
        // The levels nest, so one as large as the level below it is the same set of pCPUs.
        if (level > 0 && levelCpus(p, level).length == levelCpus(p, level - 1).length) {
          continue;
        }
        balanceInto(p, level, now);
      }
    }
    if (waiting > 0) {
      balanceEvent = kernel.schedule(now + params.balanceIntervalCycles(), onBalance, 0);
    }
  }

  /** Pulls waiting tasks into {@code dst} from the busiest pCPU of a level while that helps. */
  private void balanceInto(int dst, int level, long now) {
    while (true) {
      int src = busiest(dst, level);
      if (src < 0) {
        return;
      }
      long ls = load(src);
      long ld = load(dst);
      int t = candidate(src);
      long w = tasks.weight[t];
      // Move only if the two loads end up closer than they were.
      if (Math.abs((ls - w) - (ld + w)) >= ls - ld) {
        return;
      }
      migrate(t, src, dst, now);
      balanceMigrations.increment();
      if (curr[dst] < 0) {
        pickNext(dst, now);
      } else {
        armSlice(dst, now);
      }
    }
  }

  /** The pCPUs of {@code p}'s level: 0 its core, 1 its socket, 2 the machine. */
  private int[] levelCpus(int p, int level) {
    return switch (level) {
      case 0 -> coreCpus[p];
      case 1 -> socketCpus[p];
      default -> allCpus;
    };
  }

  /**
   * The pCPU of {@code dst}'s level (0 core, 1 socket, 2 machine) with waiting tasks and the
   * largest load above {@code dst}'s; the smallest index on a tie; -1 if none.
   */
  private int busiest(int dst, int level) {
    int best = -1;
    long bestLoad = load(dst);
    for (int p : levelCpus(dst, level)) {
      if (p != dst && !rq[p].isEmpty()) {
        long l = load(p);
        if (l > bestLoad) {
          best = p;
          bestLoad = l;
        }
      }
    }
    return best;
  }

  /**
   * The waiting task to move off {@code src}: the last in CFS order, the one that would wait
   * longest there.
   */
  private int candidate(int src) {
    RunQueue q = rq[src];
    int best = q.at(0);
    for (int i = 1; i < q.size(); i++) {
      int t = q.at(i);
      if (tasks.before(best, t)) {
        best = t;
      }
    }
    return best;
  }

  private void migrate(int t, int src, int dst, long now) {
    updateCurr(src, now);
    updateCurr(dst, now);
    rq[src].remove(t);
    tasks.vruntime[t] += minVruntime[dst] - minVruntime[src];
    tasks.pcpu[t] = dst;
    tasks.migrations[t]++;
    // Still waiting: the wait (steal) continues without a break.
    rq[dst].add(t);
    updateMinVruntime(src);
    armSlice(src, now);
  }

  private void checkTask(int t) {
    if (t < 0 || t >= tasks.count) {
      throw new IllegalArgumentException("no task " + t);
    }
  }

  // Queries.

  public int pcpus() {
    return pcpus;
  }

  public int tasks() {
    return tasks.count;
  }

  public HostTask task(int t) {
    checkTask(t);
    return tasks.task[t];
  }

  public int weight(int t) {
    checkTask(t);
    return tasks.weight[t];
  }

  /** The pCPU the task runs or waits on, or last ran on; -1 before it first became runnable. */
  public int pcpuOf(int t) {
    checkTask(t);
    return tasks.pcpu[t];
  }

  /** The current task of {@code pcpu} (switching in or running), or -1 when it is idle. */
  public int currentOn(int pcpu) {
    return curr[pcpu];
  }

  /** Current plus waiting tasks of {@code pcpu}. */
  public int nrRunning(int pcpu) {
    return rq[pcpu].size() + (curr[pcpu] >= 0 ? 1 : 0);
  }

  public boolean isRunnable(int t) {
    checkTask(t);
    return tasks.state[t] != TaskTable.BLOCKED;
  }

  /** Whether the task is the current task of a pCPU (possibly still in the context switch). */
  public boolean isCurrent(int t) {
    checkTask(t);
    return tasks.state[t] == TaskTable.RUNNING;
  }

  public long vruntime(int t) {
    checkTask(t);
    return tasks.vruntime[t];
  }

  /** Cycles the task has been current on a pCPU up to now, context switches included. */
  public long runCycles(int t) {
    checkTask(t);
    long r = tasks.runCycles[t];
    if (tasks.state[t] == TaskTable.RUNNING) {
      r += kernel.now() - accountedTo[tasks.pcpu[t]];
    }
    return r;
  }

  /** Cycles the task has been runnable but waiting in a run queue, up to now: its steal time. */
  public long stealCycles(int t) {
    checkTask(t);
    long w = tasks.waitCycles[t];
    if (tasks.state[t] == TaskTable.QUEUED) {
      w += kernel.now() - tasks.queuedSince[t];
    }
    return w;
  }

  public long contextSwitches(int t) {
    checkTask(t);
    return tasks.contextSwitches[t];
  }

  /** Times the task lost its pCPU while runnable. */
  public long preemptions(int t) {
    checkTask(t);
    return tasks.preemptions[t];
  }

  public long migrations(int t) {
    checkTask(t);
    return tasks.migrations[t];
  }

  /** Cycles {@code pcpu} has had a current task, up to now. */
  public long busyCycles(int pcpu) {
    long b = busyCycles[pcpu];
    if (busySince[pcpu] >= 0) {
      b += kernel.now() - busySince[pcpu];
    }
    return b;
  }

  /** Scheduling decisions so far: every pick of a task to run and every renewed slice. */
  public long decisions() {
    return decisions.value();
  }

  public long wakeupPreemptions() {
    return wakeupPreemptions.value();
  }

  public long balanceMigrations() {
    return balanceMigrations.value();
  }

  public long idlePulls() {
    return idlePulls.value();
  }

  /** Socket of {@code pcpu}, as the {@link Topology} numbers it. */
  public int socketOf(int pcpu) {
    return topology.socketOf(pcpu);
  }

  /** Machine-wide physical core index of {@code pcpu}, as the {@link Topology} numbers it. */
  public int coreOf(int pcpu) {
    return topology.coreOf(pcpu);
  }

  /**
   * The pCPUs the scheduler treats as {@code pcpu}'s core (SMT siblings, itself included), in index
   * order: where a wake-up looks for an idle pCPU first and balancing pulls from first.
   */
  public int[] coreCpus(int pcpu) {
    return coreCpus[pcpu].clone();
  }

  /** The pCPUs the scheduler treats as {@code pcpu}'s socket, itself included, in index order. */
  public int[] socketCpus(int pcpu) {
    return socketCpus[pcpu].clone();
  }
}
