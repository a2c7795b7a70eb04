package dev.vsim.hypervisor.mmu;

/** The legacy fault path: each fault holds the MMU lock for write from lookup to install. */
final class MmuLockDesign extends NamedFaultDesign {
  MmuLockDesign() {
    super("mmu-lock", LockMode.WRITE);
  }
}
