package dev.vsim.hypervisor.mmu;

/**
 * KVM_PRE_FAULT_MEMORY: before the guest runs, each vCPU maps its share of guest memory through the
 * TDP MMU's fault path (no exits); the guest starts once every share is mapped.
 */
final class PrefaultDesign extends NamedFaultDesign {
  PrefaultDesign() {
    super("prefault", LockMode.READ);
  }

  @Override
  public void beforeGuestRuns(VmMemory memory, Runnable start) {
    memory.prefaultShares(start);
  }

  @Override
  public String shadowPagingConflict() {
    return "KVM_PRE_FAULT_MEMORY maps only two-dimensional (EPT) tables: use \"mmu-lock\" or"
        + " \"prepopulated\"";
  }

  /** kvm_tdp_mmu_map splits a huge SPTE on the way to the 4 KiB goal (tdp_mmu_split_huge_page). */
  @Override
  public boolean splitsHugePagesOnFault() {
    return true;
  }
}
