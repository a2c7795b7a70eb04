package dev.vsim.hypervisor.mmu;

/** What every fault design has: its name in scenarios and the lock mode of its faults. */
abstract class NamedFaultDesign implements FaultDesign {
  private final String id;
  private final LockMode lockMode;

  NamedFaultDesign(String id, LockMode lockMode) {
    this.id = id;
    this.lockMode = lockMode;
  }

  @Override
  public final String id() {
    return id;
  }

  @Override
  public final LockMode lockMode() {
    return lockMode;
  }

  @Override
  public final String toString() {
    return id;
  }
}
