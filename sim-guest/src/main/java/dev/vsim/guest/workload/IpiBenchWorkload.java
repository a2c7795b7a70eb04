package dev.vsim.guest.workload;

import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.guest.apic.IpiSender;

/**
 * The IPI microbenchmark of seed 001's exitless-IPI evaluation: vCPU 0 sends a function-call IPI to
 * one other vCPU (unicast) or to all others (broadcast) and busy-waits until every destination has
 * run its handler, then starts over; the other vCPUs idle in HLT. How the IPI is sent is the
 * guest's x2APIC mode: {@code physical} writes the ICR once per destination, {@code cluster} once
 * per cluster of up to 16 CPUs (logical destination mode), {@code pv} makes one KVM_HC_SEND_IPI
 * hypercall per 128 consecutive APIC IDs. Each ICR write and each hypercall exits.
 */
public final class IpiBenchWorkload implements Workload {
  /** Linux's CALL_FUNCTION_VECTOR. */
  public static final int CALL_FUNCTION_VECTOR = 0xfb;

  /** Whom vCPU 0 sends to. */
  public enum Pattern {
    UNICAST("unicast"),
    BROADCAST("broadcast");

    private final String id;

    Pattern(String id) {
      this.id = id;
    }

    @Override
    public String toString() {
      return id;
    }
  }

  /**
   * @param warmupCycles vCPU 0 waits this long first, so the others have halted
   * @param sendCycles guest cycles of the sender's APIC driver around each ICR write or hypercall
   *     (building the destination, the loop)
   * @param pollCycles one round of the sender's wait loop (reading the call's lock, PAUSE)
   */
  public record Params(
      IpiSender.Mode mode,
      Pattern pattern,
      long iterations,
      long warmupCycles,
      long sendCycles,
      long pollCycles,
      long frequencyHz) {
    public Params {
      if (iterations < 1 || pollCycles < 1 || sendCycles < 0 || warmupCycles < 0) {
        throw new IllegalArgumentException("an IPI benchmark needs iterations and a poll loop");
      }
    }
  }

  private final Params params;
  private final int vcpus;
  private final int[] destinations;
  private final IpiSender sender;
  private final int sendCount;
  private int nextSend;
  private int acksWanted;
  private int acks;
  private long iteration;
  private long iterationStart;
  private boolean warmedUp;
  private boolean finished;
  private int stopSent;
  private int stopSends;
  // The stop is sent in physical mode, one ICR write per vCPU, whatever mode is measured.
  private final IpiSender stopSender = new IpiSender(IpiSender.Mode.PHYSICAL);
  private final boolean[] stopped; // took the IPI that ends the benchmark
  private final Counter measured;
  private final Counter totalCycles;

  /**
   * @param stats the sender's group; results go to {@code ipi_bench}
   */
  public IpiBenchWorkload(Params params, int vcpus, StatGroup stats) {
    if (vcpus < 2) {
      throw new IllegalArgumentException("an IPI benchmark needs at least 2 vCPUs");
    }
    this.params = params;
    this.vcpus = vcpus;
    int n = params.pattern() == Pattern.UNICAST ? 1 : vcpus - 1;
    stopped = new boolean[vcpus];
    destinations = new int[n];
    for (int i = 0; i < n; i++) {
      destinations[i] = i + 1;
    }
    sender = new IpiSender(params.mode());
    sendCount = sender.prepare(destinations, n, CALL_FUNCTION_VECTOR);
    StatGroup g = stats.group("ipi_bench");
    measured =
        g.counter(
            "iterations",
            Unit.COUNT,
            "Measured iterations (sends to every destination and their acknowledgements)");
    totalCycles = g.counter("cycles", Unit.CYCLES, "Cycles of the measured iterations");
    g.gauge(
        "sends_per_iteration",
        Unit.COUNT.per("iteration"),
        "IPI sends (ICR writes or hypercalls) per iteration",
        () -> sendCount);
    g.formula(
        "cycles_per_iteration",
        Unit.CYCLES.per("iteration"),
        "Mean cycles of a measured iteration",
        () -> per(totalCycles.value()));
    g.formula(
        "ns_per_iteration",
        Unit.NANOSECONDS.per("iteration"),
        "Mean time of a measured iteration",
        () -> per(totalCycles.value()) * 1e9 / params.frequencyHz());
  }

  private double per(long total) {
    long n = measured.value();
    return n == 0 ? 0 : (double) total / n;
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
      op.compute(params.warmupCycles());
      return;
    }
    if (finished) {
      stopOthers(op);
      return;
    }
    if (nextSend == 0 && acksWanted == 0) {
      iterationStart = vcpu.now();
      acks = 0;
      acksWanted = destinations.length;
    }
    if (nextSend < sendCount) {
      sender.emit(op, nextSend++, params.sendCycles());
      return;
    }
    if (acks < acksWanted) {
      op.compute(params.pollCycles());
      return;
    }
    measured.increment();
    totalCycles.add(vcpu.now() - iterationStart);
    nextSend = 0;
    acksWanted = 0;
    if (++iteration == params.iterations()) {
      finished = true;
      stopOthers(op);
      return;
    }
    next(vcpu, op);
  }

  /** After the last iteration every idle vCPU is woken once more so that it can finish. */
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
  public void interruptHandled(Vcpu vcpu, int vector) {
    if (vcpu.index() != 0 && vector == CALL_FUNCTION_VECTOR) {
      if (finished) {
        stopped[vcpu.index()] = true;
      } else {
        acks++;
      }
    }
  }
}
