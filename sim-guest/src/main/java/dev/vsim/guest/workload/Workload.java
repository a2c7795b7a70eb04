package dev.vsim.guest.workload;

import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;

/** What a guest runs on its vCPUs, one operation at a time. */
public interface Workload {
  /**
   * Fills {@code op} with this vCPU's next operation, or {@link GuestOp#done()}; or leaves it
   * unfilled after a call of the guest kernel's {@link dev.vsim.guest.GuestServices} that keeps the
   * vCPU in the kernel (munmap waiting for its shootdown, a wake-up's reschedule IPI, the idle
   * loop): the kernel runs its own operations and asks again afterwards.
   */
  void next(Vcpu vcpu, GuestOp op);

  /**
   * The guest's handler of an interrupt on this vCPU begins: the cycles of the workload's own part
   * of it (the function a call-function IPI runs), on top of the kernel's entry, handler and
   * return.
   */
  default long handlerCycles(Vcpu vcpu, int vector) {
    return 0;
  }

  /** The guest finished handling an interrupt on this vCPU (its EOI is being written). */
  default void interruptHandled(Vcpu vcpu, int vector) {}

  /**
   * Whether the guest work an interrupt cut short goes on after the handler (a busy-wait instead
   * looks at what it waits for again).
   */
  default boolean resumesAfterInterrupt(Vcpu vcpu) {
    return true;
  }

  /**
   * A memory touch of this vCPU found no mapping in the guest's page table.
   *
   * @return true if the page is now mapped (translate it again), false to skip it
   */
  default boolean pageFault(Vcpu vcpu, long linear, boolean write) {
    throw new IllegalStateException(
        "guest page fault at 0x"
            + Long.toHexString(linear)
            + " on vCPU "
            + vcpu.index()
            + ": the workload's memory must be mapped");
  }
}
