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
 * @param vcpuWakeupCycles a vCPU thread that sleeps in the host after a HLT exit, once its waker's
 *     try_to_wake_up has queued it: the pCPU it sleeps on takes the reschedule IPI, leaves idle,
 *     switches to the thread, which re-enters the guest (without the C-state's exit latency when
 *     the power model prices that)
 * @param remoteWakeupCycles the waker's side of kvm_vcpu_kick for a vCPU halted in the host: the
 *     try_to_wake_up of its thread sleeping on another pCPU (queueing it there and sending the
 *     reschedule IPI), paid by the sender once per halted target, one after another
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
    int userspaceExitCycles,
    int remoteWakeupCycles) {
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
    Checks.nonNegative("remoteWakeupCycles", remoteWakeupCycles);
  }

  /** Costs with free user-space exits and remote wake-ups (tests of other paths). */
  public HypervisorCosts(
      int cpuidHandlerCycles,
      int vmcallHandlerCycles,
      int msrWriteHandlerCycles,
      int apicIcrWriteHandlerCycles,
      int interruptInjectionCycles,
      int eoiHandlerCycles,
      int guestInterruptHandlerCycles,
      int ipiPerDestinationCycles,
      int vcpuWakeupCycles,
      int pauseExitHandlerCycles) {
    this(
        cpuidHandlerCycles,
        vmcallHandlerCycles,
        msrWriteHandlerCycles,
        apicIcrWriteHandlerCycles,
        interruptInjectionCycles,
        eoiHandlerCycles,
        guestInterruptHandlerCycles,
        ipiPerDestinationCycles,
        vcpuWakeupCycles,
        pauseExitHandlerCycles,
        0,
        0);
  }
}
