package dev.vsim.scenarios.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.vsim.cpu.units.TimeSpan;
import dev.vsim.hypervisor.mmu.FaultDesign;

/**
 * The hypervisor's design choices.
 *
 * @param paging how guest memory is virtualized: {@code ept} (two-dimensional walks), {@code
 *     shadow} (the hypervisor's combined tables) or {@code native} (no virtualization, for
 *     reference)
 * @param faultDesign how EPT is built: {@code mmu-lock}, {@code tdp-mmu} (the default, as upstream
 *     KVM), {@code prepopulated} or {@code prefault}
 * @param dirtyLogging when present, live migration's dirty logging runs beside the workload
 * @param hostScheduler {@code none} (each vCPU owns a pCPU) or {@code cfs} (vCPU threads share the
 *     host's pCPUs under a CFS-like scheduler, with steal time and preemption)
 * @param pauseLoopExiting whether a vCPU spinning with PAUSE exits after the PLE window and KVM
 *     yields to a preempted vCPU of the VM (default on, as KVM on Intel)
 * @param pleWindow cycles of PAUSE loop before the exit (KVM's ple_window default: 4096)
 */
public record HypervisorSpec(
    Paging paging,
    String faultDesign,
    DirtyLoggingSpec dirtyLogging,
    String hostScheduler,
    Boolean pauseLoopExiting,
    TimeSpan pleWindow) {

  /** Memory virtualization mode. */
  public enum Paging {
    EPT("ept"),
    SHADOW("shadow"),
    NATIVE("native");

    private final String id;

    Paging(String id) {
      this.id = id;
    }

    @JsonValue
    public String id() {
      return id;
    }

    @JsonCreator
    public static Paging of(String id) {
      for (Paging p : values()) {
        if (p.id.equals(id)) {
          return p;
        }
      }
      throw new IllegalArgumentException(
          "unknown paging mode \"" + id + "\"; use ept, shadow or native");
    }
  }

  public HypervisorSpec {
    paging = paging == null ? Paging.EPT : paging;
    faultDesign = faultDesign == null ? FaultDesign.TDP_MMU.id() : faultDesign;
    hostScheduler = hostScheduler == null ? "none" : hostScheduler;
    pauseLoopExiting = pauseLoopExiting == null || pauseLoopExiting;
    pleWindow = pleWindow == null ? TimeSpan.parse("4096cycles") : pleWindow;
    if (!hostScheduler.equals("none") && !hostScheduler.equals("cfs")) {
      throw new IllegalArgumentException(
          "hostScheduler \"" + hostScheduler + "\" is unknown; use none or cfs");
    }
    if (!FaultDesign.ids().contains(faultDesign)) {
      throw new IllegalArgumentException(
          "faultDesign \""
              + faultDesign
              + "\" is unknown; use one of "
              + String.join(", ", FaultDesign.ids()));
    }
  }

  /** The fault design this spec names. */
  public FaultDesign design() {
    return FaultDesign.of(faultDesign);
  }
}
