package dev.vsim.hypervisor.mmu;

/**
 * Second-level tables built, and guest memory pinned and zeroed, when the memslot is registered: no
 * faults at run time (seed 003's pre-populated EPT). Under shadow paging, the shadow tables are
 * built from the guest's page table before the guest runs and kept in step with its changes. Dirty
 * logging's write faults on a pre-populated EPT take the lock for write.
 */
final class PrepopulatedDesign extends NamedFaultDesign {
  PrepopulatedDesign() {
    super("prepopulated", LockMode.WRITE);
  }

  @Override
  public void atRegistration(VmMemory memory) {
    memory.prepopulateRam();
  }

  @Override
  public boolean faultsOnDemand() {
    return false;
  }

  @Override
  public boolean restoresHugePagesAtOnce() {
    return true;
  }
}
