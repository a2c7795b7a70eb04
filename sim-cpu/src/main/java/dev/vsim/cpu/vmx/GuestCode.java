package dev.vsim.cpu.vmx;

/**
 * What runs inside the VM on one vCPU: the guest kernel and its workload. This interface and {@link
 * ExitHandler} are the only places where guest and hypervisor meet.
 */
public interface GuestCode {
  /** Fills {@code op} with the next operation of this vCPU. Called in guest mode. */
  void next(Vcpu vcpu, GuestOp op);

  /**
   * The hypervisor injected an interrupt at VM entry: the guest takes it before its next operation
   * (vector through the IDT to its handler).
   */
  void interrupt(Vcpu vcpu, int vector);

  /**
   * Whether the guest takes an interrupt now (RFLAGS.IF set): not while its handler for the last
   * one runs. A pending interrupt waits for the next VM entry at which this holds.
   */
  default boolean acceptsInterrupt(Vcpu vcpu) {
    return true;
  }

  /**
   * A translation of a memory touch found no mapping in the guest's page table (a #PF the guest
   * takes itself, or one the hypervisor reflected): the guest kernel's page-fault handler.
   *
   * @return true if the guest mapped the address (the touch translates it again), false if it gives
   *     up on it (the touch goes on with the next address)
   */
  default boolean pageFault(Vcpu vcpu, long linear, boolean write) {
    throw new IllegalStateException(
        "guest page fault at 0x" + Long.toHexString(linear) + " that no guest code handles");
  }
}
