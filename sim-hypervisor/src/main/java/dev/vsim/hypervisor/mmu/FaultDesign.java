package dev.vsim.hypervisor.mmu;

import dev.vsim.cpu.registry.Registry;

/**
 * How the hypervisor builds a VM's second-level tables (EPT, or the shadow tables), picked by name
 * in a scenario: on demand under one MMU lock (the legacy design), on demand in parallel (the TDP
 * MMU), all at once when the memslot is registered (the pre-populated EPT of seed 003), or by each
 * vCPU before the workload starts (KVM_PRE_FAULT_MEMORY). One class per design.
 */
public interface FaultDesign {
  /** How a fault takes the MMU lock. */
  enum LockMode {
    READ,
    WRITE
  }

  FaultDesign MMU_LOCK = new MmuLockDesign();
  FaultDesign TDP_MMU = new TdpMmuDesign();
  FaultDesign PREPOPULATED = new PrepopulatedDesign();
  FaultDesign PREFAULT = new PrefaultDesign();

  /** Every design by name. */
  Registry<FaultDesign> REGISTRY =
      new Registry<FaultDesign>(
              "fault design", "how the hypervisor builds a VM's EPT or shadow tables")
          .register(
              "mmu-lock",
              "legacy fault path: the whole EPT-violation handler under the MMU lock for write",
              MMU_LOCK)
          .register(
              "tdp-mmu",
              "upstream's TDP MMU: faults hold the MMU lock for read and install by cmpxchg",
              TDP_MMU)
          .register(
              "prepopulated",
              "EPT built, memory pinned and zeroed when the memslot is registered: no faults",
              PREPOPULATED)
          .register(
              "prefault",
              "each vCPU maps its share of memory with KVM_PRE_FAULT_MEMORY before the guest runs",
              PREFAULT);

  /** The design's name in scenarios. */
  String id();

  /** The lock mode of a fault (and of dirty logging's write faults and lock holds). */
  LockMode lockMode();

  /** At memslot registration (before the guest boots): a pre-populated design builds it all. */
  default void atRegistration(VmMemory memory) {}

  /**
   * Before the vCPUs enter the guest: runs {@code start} (at once, or once every vCPU has
   * pre-faulted its share).
   */
  default void beforeGuestRuns(VmMemory memory, Runnable start) {
    start.run();
  }

  /** Whether second-level faults happen at run time outside dirty logging. */
  default boolean faultsOnDemand() {
    return true;
  }

  /**
   * Whether stopping dirty logging maps huge pages again at once (a pre-populated EPT is rebuilt);
   * otherwise the next faults bring them back.
   */
  default boolean restoresHugePagesAtOnce() {
    return false;
  }

  /**
   * Whether a write fault on a write-protected huge SPTE under dirty logging splits it in place,
   * keeping the mappings (the TDP MMU's kvm_tdp_mmu_map), or zaps it and maps only the faulting
   * page (the legacy MMU's direct_map, drop_large_spte).
   */
  default boolean splitsHugePagesOnFault() {
    return false;
  }

  /** Why this design cannot build shadow tables, or null if it can. */
  default String shadowPagingConflict() {
    return null;
  }

  /** The design named {@code id} (a did-you-mean if there is none). */
  static FaultDesign of(String id) {
    return REGISTRY.get(id);
  }
}
