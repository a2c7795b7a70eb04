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
 */
public record VmxCosts(
    int vmExitCycles,
    int vmEntryCycles,
    int exitDispatchCycles,
    int invvpidCycles,
    int invlpgCycles) {
  public VmxCosts {
    Checks.positive("vmExitCycles", vmExitCycles);
    Checks.positive("vmEntryCycles", vmEntryCycles);
    Checks.nonNegative("exitDispatchCycles", exitDispatchCycles);
    Checks.nonNegative("invvpidCycles", invvpidCycles);
    Checks.nonNegative("invlpgCycles", invlpgCycles);
  }
}
