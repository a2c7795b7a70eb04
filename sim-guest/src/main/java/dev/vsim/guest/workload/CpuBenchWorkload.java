package dev.vsim.guest.workload;

import dev.vsim.cpu.power.IdleGovernor;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.function.IntToLongFunction;
import java.util.function.IntUnaryOperator;

/**
 * A CPU-bound guest in the manner of Unixbench (bursts of work, short idle gaps) or, with no work,
 * an idle guest; idle time is spent as the guest kernel's idle loop says: {@code hlt} (HLT exits
 * and the vCPU thread sleeps until the guest's timer), {@code mwait} (MWAIT in guest mode with
 * MWAIT exits disabled: the pCPU enters the C-state the guest asks for) or {@code poll} ({@code
 * idle=poll}: the vCPU spins, the pCPU stays in C0). A burst is {@code burstCycles} of work at the
 * base clock: it takes less time when the core runs at a turbo frequency. Only the first {@code
 * copies} vCPUs run the benchmark (Unixbench's copies of a test); the others idle between the
 * guest's timer ticks. With MWAIT, the state asked for is the guest cpuidle governor's choice for
 * the time to the vCPU's next timer, told afterwards how long each idle period lasted.
 */
public final class CpuBenchWorkload implements Workload {
  /** The guest kernel's idle loop. */
  public enum Idle {
    HLT("hlt"),
    MWAIT("mwait"),
    POLL("poll");

    private final String id;

    Idle(String id) {
      this.id = id;
    }

    @Override
    public String toString() {
      return id;
    }
  }

  /**
   * @param burstCycles work of one burst at the base clock (0: an idle guest)
   * @param idleCycles time idle between bursts (an idle guest: between timer ticks)
   * @param durationCycles how long the guest runs
   * @param copies vCPUs that run the benchmark, from vCPU 0
   * @param tickCycles the guest's timer tick, which wakes a vCPU that runs no copy
   */
  public record Params(
      long burstCycles,
      long idleCycles,
      Idle idle,
      long durationCycles,
      long baseHz,
      int copies,
      long tickCycles) {
    public Params {
      if (burstCycles < 0 || idleCycles < 1 || durationCycles < 1 || tickCycles < 1) {
        throw new IllegalArgumentException("a CPU benchmark needs idle periods and a duration");
      }
      if (copies < 0) {
        throw new IllegalArgumentException("copies cannot be negative: " + copies);
      }
    }
  }

  private final Params params;
  private final IntToLongFunction frequencyHz; // of the vCPU's pCPU, now
  private final IdleGovernor guestIdle; // the guest's cpuidle governor
  private final IntUnaryOperator mwaitHint; // of a core idle state
  private final boolean[] working;
  private final long[] mwaitSince; // -1: not in an MWAIT idle period
  private final Counter bursts;

  /**
   * @param frequencyHz the current clock of vCPU i's core
   * @param guestIdle the guest's cpuidle governor over the idle states its idle driver offers (one
   *     CPU per vCPU)
   * @param mwaitHint the MWAIT hint of each of those states
   */
  public CpuBenchWorkload(
      Params params,
      int vcpus,
      IntToLongFunction frequencyHz,
      IdleGovernor guestIdle,
      IntUnaryOperator mwaitHint,
      StatGroup vmStats) {
    this.params = params;
    this.frequencyHz = frequencyHz;
    this.guestIdle = guestIdle;
    this.mwaitHint = mwaitHint;
    this.working = new boolean[vcpus];
    this.mwaitSince = new long[vcpus];
    java.util.Arrays.fill(mwaitSince, -1);
    StatGroup g = vmStats.group("cpu_bench");
    bursts = g.counter("bursts", Unit.COUNT, "Bursts of work completed by all vCPUs");
    g.formula(
        "bursts_per_second",
        Unit.PER_SECOND,
        "Bursts completed per second of the benchmark's duration",
        () -> bursts.value() / ((double) params.durationCycles() / params.baseHz()));
  }

  @Override
  public void next(Vcpu vcpu, GuestOp op) {
    int v = vcpu.index();
    long now = vcpu.now();
    if (mwaitSince[v] >= 0) {
      guestIdle.reflect(v, now - mwaitSince[v]);
      mwaitSince[v] = -1;
    }
    if (now >= params.durationCycles()) {
      op.done();
      return;
    }
    boolean runsCopy = v < params.copies() && params.burstCycles() > 0;
    if (runsCopy && !working[v]) {
      working[v] = true;
      // The work takes fewer base-clock cycles at a turbo frequency.
      long hz = frequencyHz.applyAsLong(v);
      op.compute(Math.max(1, params.burstCycles() * params.baseHz() / hz));
      return;
    }
    if (working[v]) {
      bursts.increment();
      working[v] = false;
    }
    // An idle guest (no work at all) idles for idleCycles between ticks.
    long gap = runsCopy || params.burstCycles() == 0 ? params.idleCycles() : params.tickCycles();
    long until = Math.min(params.durationCycles(), now + gap);
    long idle = until - now;
    switch (params.idle()) {
      case POLL -> op.compute(idle);
      case MWAIT -> {
        mwaitSince[v] = now;
        op.mwait(idle, mwaitHint.applyAsInt(guestIdle.select(v, idle)));
      }
      case HLT -> op.exit(ExitReason.HLT, 0, 1).qualification(until);
      default -> throw new IllegalStateException(params.idle().toString());
    }
  }
}
