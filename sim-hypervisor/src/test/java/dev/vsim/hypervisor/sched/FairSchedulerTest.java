package dev.vsim.hypervisor.sched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.Coherence;
import dev.vsim.cpu.profile.Topology;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.sync.LineDistance;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FairSchedulerTest {
  private static final long GHZ = 1_000_000_000L;

  private final EventKernel kernel = new EventKernel();
  private final StatGroup stats = new StatGroup("");

  private FairScheduler scheduler(Topology topology, SchedulerParams params) {
    return new FairScheduler(kernel, topology, params, stats.group("sched"));
  }

  private BurstTask[] alwaysRunnable(FairScheduler s, int n, int weight) {
    BurstTask[] t = new BurstTask[n];
    for (int i = 0; i < n; i++) {
      t[i] = new BurstTask(kernel);
      t[i].register(s, weight, stats.group("task" + i));
    }
    return t;
  }

  @Test
  void linuxDefaultsAreScaledByTheLogOfTheCpuCountUpToEight() {
    SchedulerParams p = SchedulerParams.linuxDefaults(GHZ, 64);
    assertEquals(24_000_000, p.latencyCycles());
    assertEquals(3_000_000, p.minGranularityCycles());
    assertEquals(4_000_000, p.wakeupGranularityCycles());
    assertEquals(3_000, p.contextSwitchCycles());
    assertEquals(8, p.nrLatency());
    assertEquals(6_000_000, SchedulerParams.linuxDefaults(GHZ, 1).latencyCycles());
    assertEquals(1024, FairScheduler.weightOfNice(0));
    assertEquals(2048, 2 * FairScheduler.weightOfNice(0));
  }

  @Test
  void equalTasksOnFewerPcpusGetEqualCpuTime() {
    // 12 always-runnable tasks all created on pCPU 0 of a 4-thread host: the balancer spreads
    // them, then each pCPU shares its time among 3.
    FairScheduler s = scheduler(new Topology(1, 2, 2), SchedulerParams.linuxDefaults(GHZ, 4));
    BurstTask[] t = alwaysRunnable(s, 12, FairScheduler.NICE_0_WEIGHT);
    for (int i = 0; i < t.length; i++) {
      s.start(i, 0);
    }
    long window = 2 * GHZ; // 2 s at 1 GHz: about 110 periods of 18 ms
    kernel.runUntil(window);
    double fair = (double) window * 4 / 12;
    for (int i = 0; i < t.length; i++) {
      double share = s.runCycles(i) / fair;
      assertTrue(Math.abs(share - 1) < 0.02, "task " + i + " got " + share + " of its share");
      // Each task was runnable throughout: it either ran or waited.
      assertEquals(window, s.runCycles(i) + s.stealCycles(i));
    }
    for (int p = 0; p < 4; p++) {
      assertEquals(3, s.nrRunning(p));
    }
  }

  @Test
  void aTaskOfDoubleWeightGetsTwiceTheCpuOfItsPeer() {
    FairScheduler s = scheduler(new Topology(1, 1, 1), SchedulerParams.linuxDefaults(GHZ, 1));
    new BurstTask(kernel).register(s, 2 * FairScheduler.NICE_0_WEIGHT, stats.group("heavy"));
    new BurstTask(kernel).register(s, FairScheduler.NICE_0_WEIGHT, stats.group("light"));
    s.wake(0);
    s.wake(1);
    kernel.runUntil(GHZ);
    double ratio = (double) s.runCycles(0) / s.runCycles(1);
    assertTrue(Math.abs(ratio - 2) < 0.04, "ratio " + ratio);
    assertEquals(GHZ, s.runCycles(0) + s.runCycles(1));
  }

  /** 1 pCPU, latency 1,000 and minimum granularity 100 cycles, so 2 tasks get 500-cycle slices. */
  private static SchedulerParams handParams(long wakeupGranularity, long contextSwitch) {
    return new SchedulerParams(1000, 100, wakeupGranularity, 1_000_000, contextSwitch);
  }

  @Test
  void stealTimeIsExactlyTheTimeARunnableTaskWaited() {
    FairScheduler s = scheduler(new Topology(1, 1, 1), handParams(100, 100));
    BurstTask[] t = alwaysRunnable(s, 2, FairScheduler.NICE_0_WEIGHT);
    StealTime[] areas = {new StealTime(), new StealTime()};
    StealTimeAccounting acct = new StealTimeAccounting(s, task -> {});
    acct.attach(0, areas[0]);
    acct.attach(1, areas[1]);
    s.wake(0);
    s.wake(1);
    // Slices of 500 from each pick; each run starts 100 (the switch) after its pick:
    // A picked 0, runs 100..500; B picked 500, runs 600..1000; A picked 1000; B picked 1500.
    // Equal vruntimes at 1000 go to the waiting task (the running one keeps the pCPU only if it
    // is strictly behind).
    kernel.runUntil(999);
    assertEquals(500, s.stealCycles(1)); // B waited 0..500
    assertEquals(499, s.stealCycles(0)); // A has waited since 500
    assertEquals(500, areas[1].steal()); // written when B was scheduled in at 600
    assertTrue(areas[0].isPreempted());
    assertFalse(areas[1].isPreempted());
    kernel.runUntil(1999);
    assertArrayEquals(new long[] {100, 1100}, t[0].runs.toLongArray());
    assertArrayEquals(new long[] {600, 1600}, t[1].runs.toLongArray());
    assertArrayEquals(new long[] {500, 1500}, t[0].preempts.toLongArray());
    assertArrayEquals(new long[] {1000}, t[1].preempts.toLongArray());
    assertEquals(500 + 499, s.stealCycles(0));
    assertEquals(500 + 500, s.stealCycles(1));
    assertEquals(1000, s.runCycles(0));
    assertEquals(999, s.runCycles(1));
    assertEquals(500, areas[0].steal());
    assertEquals(1000, areas[1].steal());
    assertTrue(areas[0].isPreempted());
    assertEquals(2, s.contextSwitches(0));
    assertEquals(2, s.preemptions(0));
    assertEquals(1999, s.busyCycles(0));
    TreeMap<String, Number> snap = stats.snapshot();
    assertEquals(1000L, snap.get("task1.wait_cycles"));
    assertEquals(999L, snap.get("task1.run_cycles"));
    assertEquals(1999L, snap.get("sched.pcpu0.busy_cycles"));
  }

  /**
   * A (always runnable) and B (runs 50 cycles, sleeps 200) on 1 pCPU with no switch cost: A runs
   * 0..500, B 500..550 and blocks with vruntime 50, A is picked again at 550 with vruntime 500. B
   * wakes at 750: A's vruntime is 700 = min_vruntime, so B is placed at max(50, 700 - 1000 / 2) =
   * 200, 500 behind A. It preempts A at once if the wake-up granularity is below 500; otherwise it
   * waits for A's slice to end at 550 + 500.
   */
  private long wakeAndRun(long wakeupGranularity) {
    FairScheduler s = scheduler(new Topology(1, 1, 1), handParams(wakeupGranularity, 0));
    BurstTask a = new BurstTask(kernel);
    a.register(s, FairScheduler.NICE_0_WEIGHT, stats.group("a"));
    BurstTask b = new BurstTask(kernel, 50, 200, null);
    b.register(s, FairScheduler.NICE_0_WEIGHT, stats.group("b"));
    s.wake(0);
    s.wake(1);
    kernel.runUntil(749);
    assertFalse(s.isRunnable(1));
    assertEquals(500, s.stealCycles(1)); // B waited 0..500; asleep since 550 it accrues nothing
    kernel.runUntil(760);
    assertEquals(b.runs.size() == 2 ? 1 : 0, s.wakeupPreemptions());
    kernel.runUntil(1100);
    assertEquals(0, a.runs.getLong(0));
    assertEquals(550, a.runs.getLong(1));
    assertEquals(500, b.runs.getLong(0));
    long second = b.runs.getLong(1);
    assertEquals(500 + second - 750, s.stealCycles(1));
    return second;
  }

  @Test
  void aWakingTaskFarEnoughBehindPreemptsAtOnce() {
    assertEquals(750, wakeAndRun(400));
  }

  @Test
  void aWakingTaskWithinTheWakeupGranularityWaitsForTheSlice() {
    assertEquals(1050, wakeAndRun(1000));
  }

  @Test
  void aVruntimeLeadEqualToTheGranularityDoesNotPreempt() {
    assertEquals(1050, wakeAndRun(500));
  }

  @Test
  void aBlockedTaskAccruesNoStealAndIsNotMarkedPreempted() {
    FairScheduler s = scheduler(new Topology(1, 1, 1), handParams(100, 0));
    StealTimeAccounting acct = new StealTimeAccounting(s, task -> {});
    new BurstTask(kernel).register(s, FairScheduler.NICE_0_WEIGHT, stats.group("a"));
    new BurstTask(kernel, 50, 1_000_000, null).register(s, 1024, stats.group("b"));
    StealTime area = new StealTime();
    acct.attach(1, area);
    s.wake(0);
    s.wake(1);
    kernel.runUntil(600);
    assertFalse(s.isRunnable(1));
    assertEquals(500, s.stealCycles(1));
    kernel.runUntil(500_000);
    assertEquals(500, s.stealCycles(1));
    assertEquals(500, area.steal());
    assertFalse(area.isPreempted());
    assertEquals(0, s.preemptions(1));
    assertEquals(500_000 - 50, s.runCycles(0));
  }

  @Test
  void theBalancerMovesATaskFromAQueueOfThreeToAnIdlePcpu() {
    FairScheduler s =
        scheduler(new Topology(1, 2, 1), new SchedulerParams(10_000, 1000, 1000, 1000, 0));
    alwaysRunnable(s, 3, FairScheduler.NICE_0_WEIGHT);
    for (int i = 0; i < 3; i++) {
      s.start(i, 0);
    }
    kernel.runUntil(999);
    assertEquals(3, s.nrRunning(0));
    assertEquals(-1, s.currentOn(1));
    kernel.runUntil(1000);
    // At the tick task 0 runs and 1 and 2 wait with vruntime 0: the last in CFS order moves.
    assertEquals(2, s.nrRunning(0));
    assertEquals(2, s.currentOn(1));
    assertEquals(1, s.pcpuOf(2));
    assertEquals(1, s.migrations(2));
    assertEquals(1, s.balanceMigrations());
    // Two against one cannot be improved by moving one task: nothing moves afterwards.
    kernel.runUntil(100_000);
    assertEquals(1, s.balanceMigrations());
    assertEquals(100_000 - 1000, s.runCycles(2));
  }

  @Test
  void theBalancerPullsFromAnSmtSiblingBeforeAnotherSocket() {
    // Two sockets of one 2-thread core, numbered as the Topology numbers them: the first threads
    // of the cores (pCPU 0 on socket 0, 1 on socket 1), then the second threads (2 on socket 0,
    // 3 on socket 1). So 0 and 2 are siblings, and 1 and 3.
    FairScheduler s =
        scheduler(new Topology(2, 1, 2), new SchedulerParams(10_000, 1000, 1000, 1000, 0));
    alwaysRunnable(s, 5, FairScheduler.NICE_0_WEIGHT);
    s.start(0, 0);
    s.start(1, 0);
    s.start(2, 0);
    s.start(3, 1);
    s.start(4, 1);
    kernel.runUntil(1000);
    // At the tick pCPU 1 (2 tasks) cannot gain from pCPU 0 (3); pCPU 2 pulls one from its sibling
    // 0, leaving 2 and 1; pCPU 3 then pulls from its sibling 1 rather than from pCPU 0, which
    // holds as many tasks and would win the tie by index. Adjacent siblings would have sent a
    // task of socket 0 to pCPU 3.
    assertEquals(2, s.nrRunning(0));
    assertEquals(1, s.nrRunning(1));
    assertEquals(1, s.nrRunning(2));
    assertEquals(1, s.nrRunning(3));
    for (int i = 0; i < 5; i++) {
      assertEquals(i < 3 ? 0 : 1, s.socketOf(s.pcpuOf(i)), "task " + i);
    }
    assertEquals(2, s.balanceMigrations());
  }

  @Test
  void theSchedulersCoresAndSocketsAreTheTopologysAndTheCacheDistances() {
    // Every shape with SMT or several sockets: the scheduler's sibling and socket relations, the
    // Topology's, and the distance classes LineDistance prices a line transfer by must agree on
    // every pair of pCPUs.
    Coherence coherence = new Coherence(1, 10, 100);
    for (Topology t :
        new Topology[] {
          new Topology(1, 4, 2),
          new Topology(2, 2, 2),
          new Topology(2, 3, 2),
          new Topology(2, 4, 1),
          new Topology(4, 2, 2),
          new Topology(2, 2, 4)
        }) {
      FairScheduler s = new FairScheduler(kernel, t, handParams(100, 0), new StatGroup("s"));
      LineDistance d = LineDistance.of(t, coherence, 0);
      int n = t.hardwareThreads();
      assertEquals(n, s.pcpus());
      for (int p = 0; p < n; p++) {
        int[] core = s.coreCpus(p);
        int[] socket = s.socketCpus(p);
        assertEquals(t.threadsPerCore(), core.length, t + " pCPU " + p);
        assertEquals(t.coresPerSocket() * t.threadsPerCore(), socket.length, t + " pCPU " + p);
        for (int i = 1; i < socket.length; i++) {
          assertTrue(socket[i - 1] < socket[i], "in index order");
        }
        for (int q = 0; q < n; q++) {
          boolean sameCore = contains(core, q);
          boolean sameSocket = contains(socket, q);
          assertEquals(t.coreOf(p) == t.coreOf(q), sameCore, t + " pCPUs " + p + ", " + q);
          assertEquals(t.socketOf(p) == t.socketOf(q), sameSocket, t + " pCPUs " + p + ", " + q);
          long expected = p == q ? 0 : sameCore ? 1 : sameSocket ? 10 : 100;
          assertEquals(expected, d.cycles(p, q), t + " pCPUs " + p + ", " + q);
          assertEquals(sameCore, s.coreOf(p) == s.coreOf(q));
          assertEquals(sameSocket, s.socketOf(p) == s.socketOf(q));
        }
      }
      // The sibling of pCPU p (SMT 2) is p + sockets x cores, never p + 1.
      if (t.threadsPerCore() == 2) {
        int stride = t.sockets() * t.coresPerSocket();
        assertArrayEquals(new int[] {0, stride}, s.coreCpus(0));
        assertArrayEquals(new int[] {0, stride}, s.coreCpus(stride));
      }
    }
  }

  private static boolean contains(int[] a, int x) {
    for (int v : a) {
      if (v == x) {
        return true;
      }
    }
    return false;
  }

  /**
   * Where a task that last ran on {@code prev} wakes while {@code busy} pCPUs each run an
   * always-runnable task: on two sockets of two 2-thread cores, numbered as the Topology numbers
   * them (socket 0 = pCPUs 0, 1, 4, 5; socket 1 = 2, 3, 6, 7; siblings p and p + 4).
   */
  private int wakesOn(int prev, int... busy) {
    EventKernel k = new EventKernel();
    FairScheduler s =
        new FairScheduler(k, new Topology(2, 2, 2), handParams(100, 0), new StatGroup("s"));
    // Runs 10 cycles, sleeps 1,000, wakes.
    new BurstTask(k, 10, 1000, null).register(s, FairScheduler.NICE_0_WEIGHT, new StatGroup("w"));
    s.start(0, prev);
    k.runUntil(100);
    assertFalse(s.isRunnable(0));
    assertEquals(prev, s.pcpuOf(0));
    for (int i = 0; i < busy.length; i++) {
      new BurstTask(k).register(s, FairScheduler.NICE_0_WEIGHT, new StatGroup("b" + i));
      s.start(1 + i, busy[i]);
    }
    // It wakes at 1,010 and runs its next 10 cycles there.
    k.runUntil(1015);
    assertTrue(s.isCurrent(0));
    return s.pcpuOf(0);
  }

  @Test
  void aWakeUpPrefersTheTopologysSiblingThenItsSocketThenAnyIdlePcpu() {
    assertEquals(0, wakesOn(0, 1, 2, 3, 4, 5, 6, 7)); // the previous pCPU if idle
    assertEquals(4, wakesOn(0, 0)); // its sibling, not pCPU 1 (another core)
    assertEquals(1, wakesOn(0, 0, 4)); // then the socket, in index order
    assertEquals(5, wakesOn(0, 0, 1, 4)); // still socket 0, not pCPU 2 (socket 1)
    assertEquals(2, wakesOn(0, 0, 1, 4, 5)); // then the lowest idle pCPU anywhere
    assertEquals(2, wakesOn(6, 6)); // pCPU 6's sibling is 2
    assertEquals(3, wakesOn(6, 2, 6)); // then socket 1
    assertEquals(7, wakesOn(6, 2, 3, 6));
    assertEquals(0, wakesOn(6, 2, 3, 6, 7));
    // Nothing idle: back to its own pCPU, where it preempts the busy task (half a period ahead).
    assertEquals(6, wakesOn(6, 0, 1, 2, 3, 4, 5, 6, 7));
  }

  @Test
  void aPcpuGoingIdlePullsAWaitingTask() {
    FairScheduler s =
        scheduler(new Topology(1, 2, 1), new SchedulerParams(10_000, 1000, 1000, 1_000_000, 0));
    alwaysRunnable(s, 3, FairScheduler.NICE_0_WEIGHT);
    new BurstTask(kernel, 10, 1_000_000, null).register(s, 1024, stats.group("sleeper"));
    for (int i = 0; i < 3; i++) {
      s.start(i, 0);
    }
    s.start(3, 1);
    kernel.runUntil(10);
    assertEquals(1, s.idlePulls());
    assertEquals(2, s.currentOn(1));
    assertEquals(10, s.stealCycles(2));
  }

  @Test
  void aTaskWakesOnAnIdlePcpuWhenItsOwnIsBusy() {
    FairScheduler s =
        scheduler(new Topology(1, 2, 1), new SchedulerParams(1000, 100, 100, 1_000_000_000, 0));
    new BurstTask(kernel).register(s, FairScheduler.NICE_0_WEIGHT, stats.group("a"));
    BurstTask b = new BurstTask(kernel, 10, 1000, null);
    b.register(s, FairScheduler.NICE_0_WEIGHT, stats.group("b"));
    s.start(0, 0);
    s.start(1, 0);
    // B runs at 500 (A's slice end), blocks at 510 and wakes at 1510 while A runs on pCPU 0.
    kernel.runUntil(1510);
    assertEquals(1, s.pcpuOf(1));
    assertEquals(1, s.currentOn(1));
    assertEquals(1, s.migrations(1));
    assertArrayEquals(new long[] {500, 1510}, b.runs.toLongArray());
  }

  /** One pCPU, two always-runnable tasks woken in order: 500-cycle slices (handParams). */
  private FairScheduler twoRunnableOnOnePcpu(long contextSwitch) {
    FairScheduler s = scheduler(new Topology(1, 1, 1), handParams(100, contextSwitch));
    alwaysRunnable(s, 2, FairScheduler.NICE_0_WEIGHT);
    s.wake(0);
    s.wake(1);
    return s;
  }

  @Test
  void onlyTheRunningTaskCanBlock() {
    FairScheduler s = twoRunnableOnOnePcpu(0);
    assertThrows(IllegalStateException.class, () -> s.block(1));
    assertFalse(s.wake(1));
  }

  @Test
  void identicalRunsMakeIdenticalDecisions() {
    long[][] a = randomRun();
    long[][] b = randomRun();
    for (int i = 0; i < a.length; i++) {
      assertArrayEquals(a[i], b[i]);
    }
  }

  /** 48 tasks of mixed weights that compute and sleep at random on 8 pCPUs. */
  private static long[][] randomRun() {
    EventKernel k = new EventKernel();
    StatGroup g = new StatGroup("");
    FairScheduler s =
        new FairScheduler(
            k, new Topology(2, 2, 2), SchedulerParams.linuxDefaults(GHZ, 8), g.group("sched"));
    SplittableRandom r = new SplittableRandom(42);
    int n = 48;
    for (int i = 0; i < n; i++) {
      SplittableRandom tr = r.split();
      BurstTask t =
          i % 4 == 0
              ? new BurstTask(k)
              : new BurstTask(k, 1 + tr.nextLong(5_000_000), 1 + tr.nextLong(5_000_000), tr);
      t.register(s, FairScheduler.weightOfNice(i % 5 - 2), g.group("task" + i));
      s.wake(i);
    }
    long end = GHZ / 2;
    k.runUntil(end);
    long[] run = new long[n];
    long[] steal = new long[n];
    long runTotal = 0;
    for (int i = 0; i < n; i++) {
      run[i] = s.runCycles(i);
      steal[i] = s.stealCycles(i);
      runTotal += run[i];
      assertTrue(run[i] + steal[i] <= end);
    }
    long busy = 0;
    for (int p = 0; p < s.pcpus(); p++) {
      busy += s.busyCycles(p);
    }
    // Every busy cycle of a pCPU belongs to exactly one task.
    assertEquals(busy, runTotal);
    assertTrue(s.decisions() > 1000);
    return new long[][] {run, steal, {s.decisions(), s.balanceMigrations(), s.idlePulls()}};
  }

  @Test
  void aDirectedYieldRunsTheTargetAtOnceAndTheSpinnerGivesUpItsPcpu() {
    // Two pCPUs with two always-runnable tasks each: spinner and a peer on pCPU 0, a running task
    // and the (preempted) target on pCPU 1.
    FairScheduler s = scheduler(new Topology(1, 2, 1), SchedulerParams.linuxDefaults(GHZ, 2));
    BurstTask[] t = alwaysRunnable(s, 4, FairScheduler.NICE_0_WEIGHT);
    s.start(0, 0);
    s.start(1, 0);
    s.start(2, 1);
    s.start(3, 1);
    kernel.runUntil(1_000_000);
    int spinner = s.currentOn(0);
    int peer = spinner == 0 ? 1 : 0;
    int running = s.currentOn(1);
    int target = running == 2 ? 3 : 2;
    long targetVruntime = s.vruntime(target);
    assertTrue(s.yieldTo(spinner, target));
    assertEquals(target, s.currentOn(1), "the target runs on its own pCPU at once");
    assertEquals(peer, s.currentOn(0), "the spinner left its pCPU to its peer");
    assertEquals(targetVruntime, s.vruntime(target), "a one-shot boost: no vruntime is changed");
    assertTrue(s.isRunnable(running) && !s.isCurrent(running));
    assertFalse(s.yieldTo(peer, target), "a running task is no yield target");
  }

  @Test
  void aSliceThatBeginsAtASwitchEndsOnTimeThoughTheOldSlicesTimerIsEarlier() {
    // One pCPU, two always-runnable tasks: 500-cycle slices. Mid-slice, the current task yields to
    // the other, whose slice begins then; the timer armed for the first slice's end comes first
    // and must not end the new slice.
    FairScheduler s = twoRunnableOnOnePcpu(10);
    kernel.runUntil(10_000);
    int a = s.currentOn(0);
    kernel.runUntil(10_000 + 1);
    long expiries = stats.snapshot().get("sched.slice_expiries").longValue();
    int b = 1 - a;
    long at = kernel.now();
    assertTrue(s.yieldTo(a, b));
    assertEquals(b, s.currentOn(0));
    kernel.runUntil(at + 499);
    assertEquals(b, s.currentOn(0), "the new slice is not over before its 500 cycles");
    assertEquals(expiries, stats.snapshot().get("sched.slice_expiries").longValue());
    kernel.runUntil(at + 500);
    assertEquals(a, s.currentOn(0), "and is over after them");
    assertEquals(expiries + 1, stats.snapshot().get("sched.slice_expiries").longValue());
  }

  @Test
  void yieldingBetweenTwoTasksAloneOnTheirPcpusIsPointless() {
    // One always-runnable task per pCPU: yield_to's -ESRCH, before it looks at the target.
    FairScheduler s = scheduler(new Topology(1, 2, 1), SchedulerParams.linuxDefaults(GHZ, 2));
    alwaysRunnable(s, 2, FairScheduler.NICE_0_WEIGHT);
    s.start(0, 0);
    s.start(1, 1);
    kernel.runUntil(1_000_000);
    assertEquals(FairScheduler.NO_TASK_TO_YIELD_TO, s.directedYield(0, 1));
    assertFalse(s.yieldTo(0, 1));
  }

  @Test
  void aRunningTargetIsAFailedYieldButNotAPointlessOne() {
    // Two tasks on pCPU 0, one on pCPU 1: the running task of pCPU 1 cannot be boosted (0).
    FairScheduler s = scheduler(new Topology(1, 2, 1), SchedulerParams.linuxDefaults(GHZ, 2));
    alwaysRunnable(s, 3, FairScheduler.NICE_0_WEIGHT);
    s.start(0, 0);
    s.start(1, 0);
    s.start(2, 1);
    kernel.runUntil(1_000_000);
    assertEquals(0, s.directedYield(s.currentOn(0), 2));
    int waiting = s.currentOn(0) == 0 ? 1 : 0;
    assertEquals(1, s.directedYield(2, waiting), "a waiting task is boosted");
  }

  @Test
  void aBoostedTargetRunsOnlyIfThatIsNotTooUnfair() {
    // pCPU 0: the spinner S alone. pCPU 1: the target T and A, 500-cycle slices, wake-up
    // granularity 100, free context switches. T runs 0..500, then A from 500.
    FairScheduler s =
        scheduler(new Topology(1, 2, 1), new SchedulerParams(1000, 100, 100, 1_000_000, 0));
    alwaysRunnable(s, 3, FairScheduler.NICE_0_WEIGHT);
    s.start(0, 0); // S
    s.start(1, 1); // T
    s.start(2, 1); // A
    kernel.runUntil(600);
    assertEquals(2, s.currentOn(1));
    // At 600 A's vruntime is 100, T's 500: T, the next buddy, is 400 after the leftmost (A), more
    // than the granularity, so the reschedule picks A again (a new slice for it).
    assertEquals(1, s.directedYield(0, 1), "yield_to itself succeeds");
    assertEquals(2, s.currentOn(1), "the target is too far ahead to run");
    assertEquals(0, s.currentOn(0), "nobody else waits for the spinner's pCPU");
    // At 950 A's vruntime is 450: T is 50 after it, within the granularity, and runs at once.
    kernel.runUntil(950);
    assertEquals(2, s.currentOn(1));
    assertEquals(1, s.directedYield(0, 1));
    assertEquals(1, s.currentOn(1));
    assertEquals(500, s.vruntime(1), "a one-shot boost: no vruntime is changed");
  }
}
