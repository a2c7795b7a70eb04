package dev.vsim.scenarios.model;

import dev.vsim.cpu.power.IdleGovernors;
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
 * @param copies how many vCPUs run the benchmark, from vCPU 0 (Unixbench runs each test once with
 *     one copy, then with one copy per CPU); all of them when omitted. The others idle between the
 *     guest's timer ticks
 * @param tick the guest's timer tick period (CONFIG_HZ=250: 4 ms), which wakes a vCPU that runs no
 *     copy
 */
public record CpuBenchWorkloadSpec(
    String preset,
    TimeSpan burst,
    TimeSpan idleTime,
    CpuBenchWorkload.Idle idle,
    TimeSpan duration,
    Integer copies,
    TimeSpan tick)
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
    if (copies != null && copies < 0) {
      throw new IllegalArgumentException("copies cannot be negative, got " + copies);
    }
    tick = tick == null ? TimeSpan.parse("4ms") : tick;
  }

  /** Copies omitted means one per vCPU: the resolved spec says how many that is. */
  @Override
  public WorkloadSpec resolvedFor(int vcpus) {
    return copies != null
        ? this
        : new CpuBenchWorkloadSpec(preset, burst, idleTime, idle, duration, vcpus, tick);
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
    if (tick.toCycles(hz) < 1) {
      throw new IllegalArgumentException(
          "tick must be at least one cycle of the host's clock, got " + tick);
    }
  }

  /**
   * Bursts run at the current clock of the vCPU's core; idle MWAITs ask for the C-state the guest's
   * menu governor picks among the host's states (with MWAIT exits disabled the guest sees the
   * host's CPU model and its intel_idle uses that model's table).
   */
  @Override
  public Workload create(WorkloadContext c) {
    long hz = c.hz();
    PowerModel pm = c.power();
    List<Vcpu> vcpus = c.vcpus();
    int n = c.vm().vcpus();
    return new CpuBenchWorkload(
        new CpuBenchWorkload.Params(
            burst.toCycles(hz),
            idleTime.toCycles(hz),
            idle,
            duration.toCycles(hz),
            hz,
            copies == null ? n : Math.min(copies, n),
            tick.toCycles(hz)),
        n,
        v -> pm.packageFrequencyHz(pm.packageOf(pm.coreOf(vcpus.get(v).pcpu()))),
        IdleGovernors.create("menu", pm.states(), n, Long.MAX_VALUE),
        s -> pm.states().mwaitHint(s),
        c.stats());
  }

  @Override
  public boolean needsPowerModel() {
    return true;
  }
}
