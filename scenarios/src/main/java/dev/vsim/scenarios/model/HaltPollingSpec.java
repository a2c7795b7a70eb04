package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.TimeSpan;
import dev.vsim.hypervisor.HaltPolling;

/**
 * The kvm module's halt-polling parameters: after a HLT exit with nothing pending, a vCPU's thread
 * spins in the host for up to its own window, adapted between 0 and {@code max}, before it sleeps.
 * The defaults are upstream KVM's on x86 (virt/kvm/kvm_main.c, KVM_HALT_POLL_NS_DEFAULT).
 *
 * @param max {@code halt_poll_ns} (200 us; 0 s turns polling off)
 * @param grow {@code halt_poll_ns_grow} (2; 0: windows never grow)
 * @param growStart {@code halt_poll_ns_grow_start} (10 us)
 * @param shrink {@code halt_poll_ns_shrink} (2; 0: a long halt resets the window to 0)
 */
public record HaltPollingSpec(TimeSpan max, Integer grow, TimeSpan growStart, Integer shrink) {
  public HaltPollingSpec {
    max = max == null ? TimeSpan.parse("200us") : max;
    grow = grow == null ? 2 : grow;
    growStart = growStart == null ? TimeSpan.parse("10us") : growStart;
    shrink = shrink == null ? 2 : shrink;
    if (grow < 0) {
      throw new IllegalArgumentException("grow must be 0 or more, got " + grow);
    }
    if (shrink < 0) {
      throw new IllegalArgumentException("shrink must be 0 or more, got " + shrink);
    }
  }

  /** The parameters in cycles of a clock of {@code hz}. */
  public HaltPolling.Params params(long hz) {
    return new HaltPolling.Params(max.toCycles(hz), grow, growStart.toCycles(hz), shrink);
  }
}
