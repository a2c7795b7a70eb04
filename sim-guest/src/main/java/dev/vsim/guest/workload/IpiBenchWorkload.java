package dev.vsim.guest.workload;

import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.guest.apic.IpiSender;
import java.util.List;

/**
 * The {@code ipi_benchmark} kernel module (Yury Norov, 2017) that seed 001's exitless-IPI
 * evaluation ran: on vCPU 0 it runs each test {@code iterations} times in a row and prints, per
 * test, the sum of the IPI latencies its handler measured and the total time of the test, in ns.
 * The other vCPUs idle in HLT.
 *
 * <ul>
 *   <li>{@code dry-run}: everything but the IPI (the loop, get_cpu and put_cpu);
 *   <li>{@code self-ipi}: {@code smp_call_function_single} to its own CPU, which Linux runs as a
 *       local call with interrupts off (no IPI); the latency is from the time stamp before the call
 *       to the one the function takes;
 *   <li>{@code normal-ipi}: {@code smp_call_function_single} with wait to the first other CPU: one
 *       ICR write (the APIC driver's single-destination send, also under PV IPIs, which replace
 *       only the mask sends), the destination's handler takes a time stamp, the sender spins on the
 *       call's lock until the handler is done;
 *   <li>{@code broadcast-ipi}: {@code smp_call_function_many} with wait to every other CPU: the
 *       call queued on each destination, then the IPIs as the guest's APIC mode sends them ({@code
 *       physical}: one ICR write per destination, {@code cluster}: one per cluster of up to 16,
 *       {@code pv}: one KVM_HC_SEND_IPI hypercall per 128 APIC IDs), then the wait for every
 *       destination's handler; the handler does nothing (no time stamp);
 *   <li>{@code broadcast-lock}: the same, each handler taking and releasing one spinlock that all
 *       share (a queued spinlock: handlers take it in arrival order, each waiting for the previous
 *       holder).
 * </ul>
 */
public final class IpiBenchWorkload implements Workload {
  /** Linux's CALL_FUNCTION_VECTOR (smp_call_function_many). */
  public static final int CALL_FUNCTION_VECTOR = 0xfb;

  /** Linux's CALL_FUNCTION_SINGLE_VECTOR (smp_call_function_single). */
  public static final int CALL_FUNCTION_SINGLE_VECTOR = 0xfa;

  /** A long stretch of the sender's wait loop; the last handler's unlock ends it early. */
  private static final long WAIT_CYCLES = 1_000_000;

  /** One test of the module, named as the module prints it. */
  public enum Test {
    DRY_RUN("dry-run", "Dry-run"),
    SELF_IPI("self-ipi", "Self-IPI"),
    NORMAL_IPI("normal-ipi", "Normal IPI"),
    BROADCAST_IPI("broadcast-ipi", "Broadcast IPI"),
    BROADCAST_LOCK("broadcast-lock", "Broadcast lock");

    private final String id;
    private final String printed;

    Test(String id, String printed) {
      this.id = id;
      this.printed = printed;
    }

    /** The module's name for the test in its output. */
    public String printed() {
      return printed;
    }

    /** The name in scenario files and statistics. */
    @Override
    public String toString() {
      return id;
    }

    /** The statistics group of the test ({@code dry_run}, ...). */
    public String statName() {
      return id.replace('-', '_');
    }
  }

  /**
   * @param tests the tests, in the order they run (the module's: all five)
   * @param iterations runs of each test (the module's NTIMES: 100,000)
   * @param warmupCycles vCPU 0 waits this long first, so the others have halted
   * @param loopCycles guest cycles of one iteration of the module's loop besides the call (get_cpu,
   *     put_cpu, the sum)
   * @param clockCycles one ktime_get in the guest (a kvmclock read)
   * @param callCycles smp_call_function_single's own work: the local call of {@code self-ipi}, or
   *     preparing the call's data before the send
   * @param queueCycles queueing the call on one destination (the cache line of its call queue)
   * @param sendCycles guest cycles of the APIC driver around each ICR write or hypercall
   * @param pollCycles one round of the sender's wait loop (reading the call's lock, PAUSE)
   * @param lockCycles the {@code broadcast-lock} handler's spin_lock and spin_unlock with the lock
   *     uncontended (its cache line brought from the previous holder)
   */
  public record Params(
      IpiSender.Mode mode,
      List<Test> tests,
      long iterations,
      long warmupCycles,
      long loopCycles,
      long clockCycles,
      long callCycles,
      long queueCycles,
      long sendCycles,
      long pollCycles,
      long lockCycles,
      long frequencyHz) {
    public Params {
      tests = List.copyOf(tests);
      if (tests.isEmpty()
          || iterations < 1
          || pollCycles < 1
          || sendCycles < 0
          || warmupCycles < 0
          || loopCycles < 0
          || clockCycles < 0
          || callCycles < 0
          || queueCycles < 0
          || lockCycles < 0) {
        throw new IllegalArgumentException("an IPI benchmark needs tests, iterations and costs");
      }
    }
  }

  /** One test's results. */
  private static final class Result {
    final Counter iterations;
    final Counter ipiCycles;
    final Counter totalCycles;

    Result(StatGroup g, Test t, long hz) {
      iterations = g.counter("iterations", Unit.COUNT, "Iterations of " + t.printed() + " run");
      ipiCycles =
          g.counter(
              "ipi_cycles",
              Unit.CYCLES,
              "Sum over the iterations of "
                  + t.printed()
                  + " of the time from the call to its"
                  + " handler's time stamp (0 where the handler takes none)");
      totalCycles =
          g.counter("total_cycles", Unit.CYCLES, "Total time of " + t.printed() + ", in cycles");
      g.formula(
          "ipi_ns",
          Unit.NANOSECONDS,
          "The module's first figure for " + t.printed() + ": the summed IPI latency",
          () -> ipiCycles.value() * 1e9 / hz);
      g.formula(
          "total_ns",
          Unit.NANOSECONDS,
          "The module's second figure for " + t.printed() + ": the test's total time",
          () -> totalCycles.value() * 1e9 / hz);
      g.formula(
          "ns_per_iteration",
          Unit.NANOSECONDS.per("iteration"),
          "Mean time of one iteration of " + t.printed(),
          () -> iterations.value() == 0 ? 0 : totalCycles.value() * 1e9 / hz / iterations.value());
    }
  }

  private final Params params;
  private final int vcpus;
  private final IpiSender broadcast;
  private final int broadcastSends;
  private final IpiSender single;
  private final Result[] results;
  private int test = -1; // the test in progress
  private long testStart;
  private long iteration;
  private int step; // 0: start an iteration, 1: sending, 2: waiting
  private int nextSend;
  private int acks;
  private int acksWanted;
  private long callStart; // the time stamp before the call (normal-ipi)
  private long lockFreeAt; // broadcast-lock: when the handlers' lock is next free
  private boolean warmedUp;
  private boolean finished;
  private int stopSent;
  private int stopSends;
  // The stop is sent in physical mode, one ICR write per vCPU, whatever mode is measured.
  private final IpiSender stopSender = new IpiSender(IpiSender.Mode.PHYSICAL);
  private final boolean[] stopped; // took the IPI that ends the benchmark
  private Vcpu sender; // vCPU 0, whose wait the last handler ends

  /**
   * @param stats the sender's group; results go to {@code ipi_bench.<test>}
   */
  public IpiBenchWorkload(Params params, int vcpus, StatGroup stats) {
    if (vcpus < 2) {
      throw new IllegalArgumentException("an IPI benchmark needs at least 2 vCPUs");
    }
    this.params = params;
    this.vcpus = vcpus;
    stopped = new boolean[vcpus];
    int[] others = new int[vcpus - 1];
    for (int i = 0; i < others.length; i++) {
      others[i] = i + 1;
    }
    broadcast = new IpiSender(params.mode());
    broadcastSends = broadcast.prepare(others, others.length, CALL_FUNCTION_VECTOR);
    // send_IPI, the single-destination send, stays the x2APIC driver's under PV IPIs.
    single =
        new IpiSender(params.mode() == IpiSender.Mode.PV ? IpiSender.Mode.PHYSICAL : params.mode());
    single.prepare(new int[] {1}, 1, CALL_FUNCTION_SINGLE_VECTOR);
    StatGroup g = stats.group("ipi_bench");
    g.gauge(
        "broadcast_sends",
        Unit.COUNT.per("iteration"),
        "ICR writes or hypercalls of one broadcast",
        () -> broadcastSends);
    results = new Result[Test.values().length];
    for (Test t : params.tests()) {
      if (results[t.ordinal()] != null) {
        throw new IllegalArgumentException("test " + t + " is listed twice");
      }
      results[t.ordinal()] = new Result(g.group(t.statName()), t, params.frequencyHz());
    }
  }

  private Test current() {
    return params.tests().get(test);
  }

  @Override
  public void next(Vcpu vcpu, GuestOp op) {
    if (vcpu.index() != 0) {
      if (stopped[vcpu.index()]) {
        op.done();
      } else {
        op.exit(ExitReason.HLT, 0, 1); // the idle loop
      }
      return;
    }
    if (!warmedUp) {
      warmedUp = true;
      sender = vcpu;
      op.compute(params.warmupCycles());
      return;
    }
    if (finished) {
      stopOthers(op);
      return;
    }
    if (test < 0) {
      startTest(vcpu, 0);
    }
    long now = vcpu.now();
    Test t = current();
    Result r = results[t.ordinal()];
    switch (t) {
      case DRY_RUN -> {
        // Nothing but the loop: every iteration at once.
        long n = params.iterations();
        r.iterations.add(n);
        iteration = n;
        op.compute(n * params.loopCycles());
        endTestIfDone(vcpu, now + n * params.loopCycles());
        return;
      }
      case SELF_IPI -> {
        // ktime_get, the local call, the function's ktime_get: no IPI.
        long n = params.iterations();
        long each = params.loopCycles() + params.callCycles() + 2 * params.clockCycles();
        r.iterations.add(n);
        r.ipiCycles.add(n * (params.callCycles() + params.clockCycles()));
        iteration = n;
        op.compute(n * each);
        endTestIfDone(vcpu, now + n * each);
        return;
      }
      default -> {}
    }
    boolean many = t != Test.NORMAL_IPI;
    if (step == 0) {
      // The loop, the time stamp before the call (normal-ipi), the call's data and its queueing
      // on each destination.
      step = 1;
      nextSend = 0;
      acks = 0;
      acksWanted = many ? vcpus - 1 : 1;
      long before =
          params.loopCycles()
              + params.callCycles()
              + (many ? (long) acksWanted * params.queueCycles() : params.queueCycles());
      if (!many) {
        callStart = now + params.loopCycles() + params.clockCycles();
        before += params.clockCycles();
      }
      emitSend(op, many, before);
      return;
    }
    if (step == 1 && nextSend < (many ? broadcastSends : 1)) {
      emitSend(op, many, 0);
      return;
    }
    step = 2;
    if (acks < acksWanted) {
      op.compute(WAIT_CYCLES); // csd_lock_wait; the last handler's unlock ends it
      return;
    }
    step = 0;
    r.iterations.increment();
    if (++iteration < params.iterations()) {
      next(vcpu, op);
      return;
    }
    endTest(vcpu, now);
    if (finished) {
      stopOthers(op);
    } else {
      next(vcpu, op);
    }
  }

  private void emitSend(GuestOp op, boolean many, long before) {
    if (many) {
      broadcast.emit(op, nextSend++, before + params.sendCycles());
    } else {
      single.emit(op, nextSend++, before + params.sendCycles());
    }
  }

  private void startTest(Vcpu vcpu, int k) {
    test = k;
    iteration = 0;
    step = 0;
    testStart = vcpu.now();
  }

  /** A test costed at once ends when its work does; the next starts then. */
  private void endTestIfDone(Vcpu vcpu, long end) {
    Test t = current();
    results[t.ordinal()].totalCycles.add(end - testStart);
    if (test + 1 == params.tests().size()) {
      finished = true;
    } else {
      test++;
      iteration = 0;
      step = 0;
      testStart = end;
    }
  }

  private void endTest(Vcpu vcpu, long now) {
    results[current().ordinal()].totalCycles.add(now - testStart);
    if (test + 1 == params.tests().size()) {
      finished = true;
    } else {
      startTest(vcpu, test + 1);
    }
  }

  /** After the last test every idle vCPU is woken once more so that it can finish. */
  private void stopOthers(GuestOp op) {
    if (stopSent == 0) {
      int[] others = new int[vcpus - 1];
      for (int i = 0; i < others.length; i++) {
        others[i] = i + 1;
      }
      stopSends = stopSender.prepare(others, others.length, CALL_FUNCTION_VECTOR);
    }
    if (stopSent < stopSends) {
      stopSender.emit(op, stopSent++, 0);
      return;
    }
    op.done();
  }

  @Override
  public long handlerCycles(Vcpu vcpu, int vector) {
    if (vcpu.index() == 0 || finished || test < 0) {
      return 0;
    }
    long now = vcpu.now();
    Test t = current();
    if (t == Test.NORMAL_IPI && vector == CALL_FUNCTION_SINGLE_VECTOR) {
      // handle_ipi: *time = ktime_get() - *time.
      results[t.ordinal()].ipiCycles.add(now + params.clockCycles() - callStart);
      return params.clockCycles();
    }
    if (t == Test.BROADCAST_LOCK && vector == CALL_FUNCTION_VECTOR) {
      // handle_ipi_spinlock: queued behind the handlers that came first.
      long acquired = Math.max(now, lockFreeAt);
      lockFreeAt = acquired + params.lockCycles();
      return lockFreeAt - now;
    }
    return 0;
  }

  @Override
  public void interruptHandled(Vcpu vcpu, int vector) {
    if (vcpu.index() == 0
        || vector != CALL_FUNCTION_VECTOR && vector != CALL_FUNCTION_SINGLE_VECTOR) {
      return;
    }
    if (finished) {
      stopped[vcpu.index()] = true;
      return;
    }
    // csd_unlock: the sender sees it at its next look at the lock.
    if (++acks == acksWanted && step == 2) {
      sender.stopSpinning(params.pollCycles());
    }
  }

  /** The test names in the module's order. */
  public static List<Test> allTests() {
    return List.of(Test.values());
  }
}
