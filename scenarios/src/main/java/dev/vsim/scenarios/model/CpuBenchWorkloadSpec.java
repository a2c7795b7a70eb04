package dev.vsim.scenarios.model;

import dev.vsim.cpu.power.PowerModel;
import dev.vsim.cpu.units.TimeSpan;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.guest.workload.CpuBenchWorkload;
import dev.vsim.guest.workload.Workload;
import java.util.List;

/**
 * A CPU-bound guest (Unixbench-like bursts with short idle gaps) or an idle guest, idling the way
 * its kernel's idle loop says. Any field given overrides the preset.
 *
 * @param preset {@code unixbench} (2 ms bursts, 0.2 ms idle between) or {@code idle} (no work; a
 *     timer tick every 4 ms)
 * @param burst work of one burst at the base clock
 * @param idleTime idle time between bursts or ticks
 * @param idle the guest's idle loop: {@code hlt}, {@code mwait} (MWAIT exits disabled) or {@code
 *     poll} ({@code idle=poll})
 * @param duration how long the guest runs
 */
public record CpuBenchWorkloadSpec(
    String preset, TimeSpan burst, TimeSpan idleTime, CpuBenchWorkload.Idle idle, TimeSpan duration)
    implements WorkloadSpec {
  public CpuBenchWorkloadSpec {
    preset = preset == null ? "unixbench" : preset;
    boolean busy;
    if (preset.equals("unixbench")) {
      busy = true;
    } else if (preset.equals("idle")) {
      busy = false;
    } else {
      throw new IllegalArgumentException(
          "preset \"" + preset + "\" is unknown; use unixbench or idle");
    }
    burst = burst == null ? TimeSpan.parse(busy ? "2ms" : "0cycles") : burst;
    idleTime = idleTime == null ? TimeSpan.parse(busy ? "200us" : "4ms") : idleTime;
    idle = idle == null ? CpuBenchWorkload.Idle.HLT : idle;
    duration = duration == null ? TimeSpan.parse("1s") : duration;
  }

  @Override
  public void checkAtClock(long hz) {
    if (duration.toCycles(hz) < 1) {
      throw new IllegalArgumentException(
          "duration must be at least one cycle of the host's clock, got " + duration);
    }
    if (idleTime.toCycles(hz) < 1) {
      throw new IllegalArgumentException(
          "idleTime must be at least one cycle of the host's clock (the guest idles between"
              + " bursts, or between timer ticks), got "
              + idleTime);
    }
  }

  /** Bursts run at the current clock of the vCPU's core; idle MWAITs ask for a C-state. */
  @Override
  public Workload create(WorkloadContext c) {
    long hz = c.hz();
    PowerModel pm = c.power();
    List<Vcpu> vcpus = c.vcpus();
    return new CpuBenchWorkload(
        new CpuBenchWorkload.Params(
            burst.toCycles(hz), idleTime.toCycles(hz), idle, duration.toCycles(hz), hz),
        c.vm().vcpus(),
        v -> pm.packageFrequencyHz(pm.packageOf(pm.coreOf(vcpus.get(v).pcpu()))),
        t -> pm.states().mwaitHint(pm.states().deepestFor(t, Long.MAX_VALUE)),
        c.stats());
  }

  @Override
  public boolean needsPowerModel() {
    return true;
  }
}
