package dev.vsim.guest.workload;

import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.function.IntToLongFunction;
import java.util.function.LongToIntFunction;

/**
 * A CPU-bound guest in the manner of Unixbench (bursts of work, short idle gaps) or, with no work,
 * an idle guest; idle time is spent as the guest kernel's idle loop says: {@code hlt} (HLT exits
 * and the vCPU thread sleeps until the guest's timer), {@code mwait} (MWAIT in guest mode with
 * MWAIT exits disabled: the pCPU enters the C-state the guest asks for) or {@code poll} ({@code
 * idle=poll}: the vCPU spins, the pCPU stays in C0). A burst is {@code burstCycles} of work at the
 * base clock: it takes less time when the core runs at a turbo frequency.
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
   */
  public record Params(
      long burstCycles, long idleCycles, Idle idle, long durationCycles, long baseHz) {
    public Params {
      if (burstCycles < 0 || idleCycles < 1 || durationCycles < 1) {
        throw new IllegalArgumentException("a CPU benchmark needs idle periods and a duration");
      }
    }
  }

  private final Params params;
  private final IntToLongFunction frequencyHz; // of the vCPU's pCPU, now
  private final LongToIntFunction mwaitHint; // the guest's cpuidle choice for an idle time
  private final boolean[] working;
  private final Counter bursts;

  /**
   * @param frequencyHz the current clock of vCPU i's core
   * @param mwaitHint the MWAIT hint the guest's cpuidle driver uses for an idle period of so many
   *     cycles
   */
  public CpuBenchWorkload(
      Params params,
      int vcpus,
      IntToLongFunction frequencyHz,
      LongToIntFunction mwaitHint,
      StatGroup vmStats) {
    this.params = params;
    this.frequencyHz = frequencyHz;
    this.mwaitHint = mwaitHint;
    this.working = new boolean[vcpus];
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
    if (now >= params.durationCycles()) {
      op.done();
      return;
    }
    if (params.burstCycles() > 0 && !working[v]) {
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
    long until = Math.min(params.durationCycles(), now + params.idleCycles());
    long idle = until - now;
    switch (params.idle()) {
      case POLL -> op.compute(idle);
      case MWAIT -> op.mwait(idle, mwaitHint.applyAsInt(idle));
      case HLT -> op.exit(ExitReason.HLT, 0, 1).qualification(until);
      default -> throw new IllegalStateException(params.idle().toString());
    }
  }
}
