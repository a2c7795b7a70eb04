package dev.vsim.hypervisor.mmu;

/**
 * The TDP MMU: faults hold the MMU lock for read and install their SPTE by compare-exchange, so
 * faults of different vCPUs proceed in parallel and a lost race retries.
 */
final class TdpMmuDesign extends NamedFaultDesign {
  TdpMmuDesign() {
    super("tdp-mmu", LockMode.READ);
  }

  @Override
  public String shadowPagingConflict() {
    return "the TDP MMU builds only two-dimensional (EPT) tables; shadow pages fault under the MMU"
        + " lock: use \"mmu-lock\" or \"prepopulated\"";
  }

  /** kvm_tdp_mmu_map splits a huge SPTE on the way to the 4 KiB goal (tdp_mmu_split_huge_page). */
  @Override
  public boolean splitsHugePagesOnFault() {
    return true;
  }
}
