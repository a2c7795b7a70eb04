package dev.vsim.cpu.profile;

/**
 * Software path costs of the hypervisor's exit handlers, in cycles, on top of {@link
 * VmxCosts#exitDispatchCycles()}.
 *
 * @param cpuidHandlerCycles emulate CPUID (look up the guest's CPUID table, skip the instruction)
 * @param vmcallHandlerCycles the hypercall dispatcher for a hypercall that does no work
 * @param msrWriteHandlerCycles decode and emulate a WRMSR that is not an APIC register
 * @param apicIcrWriteHandlerCycles emulate a write to the x2APIC ICR: decode the destination and
 *     queue the interrupt on each target vCPU
 * @param interruptInjectionCycles inject a pending interrupt on VM entry
 * @param eoiHandlerCycles emulate an EOI write
 * @param guestInterruptHandlerCycles the guest's own interrupt entry, handler and return
 * @param ipiPerDestinationCycles each destination after the first of a multicast IPI (an ICR write
 *     in cluster mode, or the PV send-IPI hypercall): setting its IRR and kicking it
 * @param pauseExitHandlerCycles a pause-loop exit: kvm_vcpu_on_spin looking for a preempted vCPU of
 *     the VM to yield to
 * @param vcpuWakeupCycles waking a vCPU thread that sleeps in the host after a HLT exit: the
 *     wake-up, the host scheduler and the switch to the thread, until it re-enters the guest
 * @param userspaceExitCycles an exit that KVM hands to the VMM in user space (KVM_EXIT_IO, as the
 *     selftests' ucall): returning from the KVM_RUN ioctl, the VMM's dispatch, and the next KVM_RUN
 *     back into KVM, on top of the common exit path
 */
public record HypervisorCosts(
    int cpuidHandlerCycles,
    int vmcallHandlerCycles,
    int msrWriteHandlerCycles,
    int apicIcrWriteHandlerCycles,
    int interruptInjectionCycles,
    int eoiHandlerCycles,
    int guestInterruptHandlerCycles,
    int ipiPerDestinationCycles,
    int vcpuWakeupCycles,
    int pauseExitHandlerCycles,
    int userspaceExitCycles) {
  public HypervisorCosts {
    Checks.nonNegative("cpuidHandlerCycles", cpuidHandlerCycles);
    Checks.nonNegative("vmcallHandlerCycles", vmcallHandlerCycles);
    Checks.nonNegative("msrWriteHandlerCycles", msrWriteHandlerCycles);
    Checks.nonNegative("apicIcrWriteHandlerCycles", apicIcrWriteHandlerCycles);
    Checks.nonNegative("interruptInjectionCycles", interruptInjectionCycles);
    Checks.nonNegative("eoiHandlerCycles", eoiHandlerCycles);
    Checks.nonNegative("guestInterruptHandlerCycles", guestInterruptHandlerCycles);
    Checks.nonNegative("ipiPerDestinationCycles", ipiPerDestinationCycles);
    Checks.nonNegative("vcpuWakeupCycles", vcpuWakeupCycles);
    Checks.nonNegative("pauseExitHandlerCycles", pauseExitHandlerCycles);
    Checks.nonNegative("userspaceExitCycles", userspaceExitCycles);
  }
}
