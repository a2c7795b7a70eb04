package dev.vsim.cpu.profile;

/**
 * Costs of the hardware VMX transitions and of the hypervisor's common exit path, in cycles.
 *
 * @param vmExitCycles hardware VM exit: save guest state to the VMCS, load host state
 * @param vmEntryCycles hardware VM entry: checks, load guest state
 * @param exitDispatchCycles the hypervisor's common path around every exit (register save and
 *     restore, reading the exit reason, the dispatch to the handler, the checks before re-entry)
 * @param invvpidCycles one INVVPID
 * @param invlpgCycles one INVLPG executed in the guest (no exit with EPT)
 * @param postedInterruptCycles with APICv: a posted-interrupt notification that reaches the vCPU in
 *     guest mode, processed by the CPU without an exit (the PIR moved into the virtual IRR, the
 *     virtual interrupt delivered through the guest's IDT)
 * @param virtualApicWriteCycles with APICv: a guest write to the x2APIC EOI or SELF_IPI register
 *     that the CPU virtualizes (EOI or self-IPI virtualization) instead of exiting
 */
public record VmxCosts(
    int vmExitCycles,
    int vmEntryCycles,
    int exitDispatchCycles,
    int invvpidCycles,
    int invlpgCycles,
    int postedInterruptCycles,
    int virtualApicWriteCycles) {
  public VmxCosts {
    Checks.positive("vmExitCycles", vmExitCycles);
    Checks.positive("vmEntryCycles", vmEntryCycles);
    Checks.nonNegative("exitDispatchCycles", exitDispatchCycles);
    Checks.nonNegative("invvpidCycles", invvpidCycles);
    Checks.nonNegative("invlpgCycles", invlpgCycles);
    Checks.nonNegative("postedInterruptCycles", postedInterruptCycles);
    Checks.nonNegative("virtualApicWriteCycles", virtualApicWriteCycles);
  }

  /** Costs without APIC virtualization's (posted interrupts and virtualized writes cost 0). */
  public VmxCosts(
      int vmExitCycles,
      int vmEntryCycles,
      int exitDispatchCycles,
      int invvpidCycles,
      int invlpgCycles) {
    this(vmExitCycles, vmEntryCycles, exitDispatchCycles, invvpidCycles, invlpgCycles, 0, 0);
  }
}
