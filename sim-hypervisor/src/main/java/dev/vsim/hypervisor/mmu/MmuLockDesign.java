package dev.vsim.hypervisor.mmu;

/** The legacy fault path: each fault holds the MMU lock for write from lookup to install. */
final class MmuLockDesign implements FaultDesign {
  @Override
  public String id() {
    return "mmu-lock";
  }

  @Override
  public LockMode lockMode() {
    return LockMode.WRITE;
  }

  @Override
  public String toString() {
    return id();
  }
}
