package dev.vsim.scenarios.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.vsim.cpu.units.TimeSpan;
import dev.vsim.hypervisor.mmu.DirtyLogMode;
import dev.vsim.hypervisor.mmu.FaultDesign;
import dev.vsim.hypervisor.mmu.VmMemory;
import dev.vsim.hypervisor.sched.HostScheduler;

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
 * @param eagerPageSplit kvm.eager_page_split (default on, as upstream): enabling dirty logging (or,
 *     for a slot initially all dirty, the first clear of its log) splits the huge pages at once;
 *     off, each huge page is split (TDP MMU) or zapped (legacy MMU) by the first write to it
 * @param pml kvm_intel.enable_pml (default on): dirty logging tracks 4 KiB pages by the EPT dirty
 *     bits the processor logs; off, by write-protecting them
 * @param enableApicv KVM's {@code enable_apicv}: APIC virtualization with posted interrupts (an IPI
 *     to a vCPU in guest mode takes no exit there, EOI and self-IPI writes do not exit, and
 *     directed yield keeps a vCPU with a posted interrupt as a candidate). Default off, the model's
 *     behaviour before it had APICv; KVM turns it on wherever the CPU has it
 * @param haltPolling KVM's adaptive halt polling (the kvm module's halt_poll_ns parameters; default
 *     upstream's: up to 200 us)
 */
public record HypervisorSpec(
    Paging paging,
    String faultDesign,
    DirtyLoggingSpec dirtyLogging,
    String hostScheduler,
    Boolean pauseLoopExiting,
    TimeSpan pleWindow,
    Boolean eagerPageSplit,
    Boolean pml,
    Boolean enableApicv,
    HaltPollingSpec haltPolling) {

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
      throw new IllegalArgumentException(VmMemory.PAGING.unknown(id));
    }
  }

  public HypervisorSpec {
    paging = paging == null ? Paging.EPT : paging;
    faultDesign = faultDesign == null ? FaultDesign.TDP_MMU.id() : faultDesign;
    hostScheduler = hostScheduler == null ? "none" : hostScheduler;
    pauseLoopExiting = pauseLoopExiting == null || pauseLoopExiting;
    pleWindow = pleWindow == null ? TimeSpan.parse("4096cycles") : pleWindow;
    eagerPageSplit = eagerPageSplit == null || eagerPageSplit;
    pml = pml == null || pml;
    enableApicv = enableApicv != null && enableApicv;
    haltPolling = haltPolling == null ? new HaltPollingSpec(null, null, null, null) : haltPolling;
    if (!HostScheduler.REGISTRY.contains(hostScheduler)) {
      throw new IllegalArgumentException(
          "hostScheduler: " + HostScheduler.REGISTRY.unknown(hostScheduler));
    }
    if (!FaultDesign.REGISTRY.contains(faultDesign)) {
      throw new IllegalArgumentException(
          "faultDesign: " + FaultDesign.REGISTRY.unknown(faultDesign));
    }
  }

  /** The host scheduler this spec names. */
  public HostScheduler.Factory scheduler() {
    return HostScheduler.REGISTRY.get(hostScheduler);
  }

  /** How dirty logging tracks 4 KiB pages: PML's dirty bits or write protection. */
  public DirtyLogMode dirtyLogMode() {
    return pml ? DirtyLogMode.DIRTY_BIT : DirtyLogMode.WRITE_PROTECT;
  }

  /** The fault design this spec names. */
  public FaultDesign design() {
    return FaultDesign.of(faultDesign);
  }
}
