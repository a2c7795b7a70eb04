package dev.vsim.hypervisor;

import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import it.unimi.dsi.fastutil.booleans.BooleanArrayList;
import it.unimi.dsi.fastutil.longs.LongArrayList;

/**
 * KVM's adaptive halt polling ({@code kvm_vcpu_halt}, virt/kvm/kvm_main.c): each vCPU has its own
 * polling window, 0 at first. A halt shorter than the module's {@code halt_poll_ns} grows the
 * window ({@code halt_poll_ns_grow} times, to at least {@code halt_poll_ns_grow_start}); a halt
 * longer than it shrinks the window ({@code halt_poll_ns_shrink}, to 0 below the grow start, or to
 * 0 at once if the shrink factor is 0); a halt within the window leaves it. The window never passes
 * {@code halt_poll_ns}. Times are in cycles of the host's base clock.
 */
public final class HaltPolling {
  /** The module's parameters, in cycles. */
  public record Params(long maxCycles, int grow, long growStartCycles, int shrink) {
    public Params {
      if (maxCycles < 0 || grow < 0 || growStartCycles < 0 || shrink < 0) {
        throw new IllegalArgumentException("halt-polling parameters must not be negative");
      }
    }

    /** halt_poll_ns = 0: no polling. */
    public static final Params OFF = new Params(0, 2, 0, 2);
  }

  private Params params;
  private final LongArrayList window = new LongArrayList();
  private final BooleanArrayList polled = new BooleanArrayList();
  private final Counter attempted;
  private final Counter successful;
  private final Counter successCycles;
  private final Counter failCycles;

  /**
   * @param stats the VM's KVM group; the statistics go to {@code halt_poll}, named after KVM's
   *     halt_attempted_poll, halt_successful_poll, halt_poll_success_ns and halt_poll_fail_ns
   */
  public HaltPolling(Params params, StatGroup stats) {
    this.params = params;
    StatGroup g = stats.group("halt_poll");
    attempted = g.counter("attempted", Unit.COUNT, "HLT exits that halt polled before blocking");
    successful =
        g.counter(
            "successful",
            Unit.COUNT,
            "Halt polls that saw the wake-up before the vCPU thread went to sleep");
    successCycles =
        g.counter("success_cycles", Unit.CYCLES, "Cycles spent in halt polls that succeeded");
    failCycles =
        g.counter("fail_cycles", Unit.CYCLES, "Cycles spent in halt polls that ended with a sleep");
  }

  /** Sets the module's parameters (before the VM runs). */
  public void configure(Params p) {
    this.params = p;
  }

  /** The window vCPU {@code v} polls for at its next HLT (0: it sleeps at once). */
  public long window(int v) {
    return v < window.size() ? Math.min(window.getLong(v), params.maxCycles()) : 0;
  }

  /**
   * vCPU {@code v} halts with a window: it polls (for as long as no other thread wants its pCPU;
   * KVM's loop then ends after one check).
   */
  public void polls(int v) {
    grow(v);
    polled.set(v, true);
  }

  private void grow(int v) {
    while (window.size() <= v) {
      window.add(0);
      polled.add(false);
    }
  }

  /** A halt of vCPU {@code v} ended: count it and adapt the window as kvm_vcpu_halt does. */
  public void ended(int v, long haltCycles, long polledCycles, boolean waited) {
    grow(v);
    long w = Math.min(window.getLong(v), params.maxCycles());
    if (polled.getBoolean(v)) {
      polled.set(v, false);
      attempted.increment();
      if (waited) {
        failCycles.add(polledCycles);
      } else {
        successful.increment();
        successCycles.add(polledCycles);
      }
    }
    long max = params.maxCycles();
    if (max == 0) {
      w = 0;
    } else if (haltCycles <= w) {
      // Within the window: it is about right.
    } else if (w > 0 && haltCycles > max) {
      w = shrunk(w); // a long halt: polling was wasted
    } else if (w < max && haltCycles < max) {
      w = grown(w); // a short halt the window missed
    }
    window.set(v, w);
  }

  private long grown(long w) {
    if (params.grow() == 0) {
      return w;
    }
    return Math.max(w * params.grow(), params.growStartCycles());
  }

  private long shrunk(long w) {
    long s = params.shrink() == 0 ? 0 : w / params.shrink();
    return s < params.growStartCycles() ? 0 : s;
  }
}
