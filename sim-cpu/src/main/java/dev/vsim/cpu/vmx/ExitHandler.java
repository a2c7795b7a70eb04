package dev.vsim.cpu.vmx;

/** The hypervisor's side of a VM exit. */
public interface ExitHandler {
  /**
   * Handles one exit: emulates the instruction, updates the hypervisor's state and the vCPU's
   * (pending interrupts, blocking).
   *
   * @return cycles spent in the handler, on top of the common exit path ({@code
   *     VmxCosts.exitDispatchCycles})
   */
  long handle(Vcpu vcpu, VmExit exit);

  /**
   * Handles {@code times} identical exits at once if their only effect is their cost and the
   * handler's own counters (a CPUID, an unknown hypercall): the caller costs the run of exits
   * arithmetically. Returns the cycles of one handling, or -1 if these exits have other effects and
   * must be handled one by one (then nothing was done).
   */
  long handleRepeated(Vcpu vcpu, VmExit exit, long times);

  /**
   * Of the {@code times} exits last handled by {@link #handleRepeated}, {@code undone} did not
   * happen after all (an interrupt cut the loop short, or the run stopped): the handler takes them
   * off its counters.
   */
  default void repeatedUndone(Vcpu vcpu, VmExit exit, long undone) {}

  /**
   * A vCPU blocked by a HLT exit ({@link Vcpu#sleep(long)} or {@link Vcpu#haltPoll}) is runnable
   * again: the hypervisor adapts its halt polling to how long the halt was (KVM's {@code
   * kvm_vcpu_halt} after {@code kvm_vcpu_block}).
   *
   * @param haltCycles from the HLT exit's block to the wake-up, polling included
   * @param polledCycles of those, the cycles spent halt polling
   * @param waited whether the thread went to sleep (the poll, if any, did not see the wake-up)
   */
  default void haltEnded(Vcpu vcpu, long haltCycles, long polledCycles, boolean waited) {}
}
