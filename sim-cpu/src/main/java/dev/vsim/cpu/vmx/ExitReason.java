package dev.vsim.cpu.vmx;

/**
 * VM-exit basic reasons, numbered as in the Intel SDM (Vol. 3C, Appendix C), with the short name
 * used in statistics ({@code vm0.vcpu0.exits.cpuid.count}).
 */
public enum ExitReason {
  EXCEPTION_NMI(0, "exception_nmi"),
  EXTERNAL_INTERRUPT(1, "external_interrupt"),
  TRIPLE_FAULT(2, "triple_fault"),
  INIT_SIGNAL(3, "init"),
  INTERRUPT_WINDOW(7, "interrupt_window"),
  CPUID(10, "cpuid"),
  HLT(12, "hlt"),
  INVLPG(14, "invlpg"),
  RDTSC(16, "rdtsc"),
  VMCALL(18, "vmcall"),
  CR_ACCESS(28, "cr_access"),
  IO_INSTRUCTION(30, "io"),
  MSR_READ(31, "msr_read"),
  MSR_WRITE(32, "msr_write"),
  MWAIT(36, "mwait"),
  MONITOR(39, "monitor"),
  PAUSE(40, "pause"),
  APIC_ACCESS(44, "apic_access"),
  EPT_VIOLATION(48, "ept_violation"),
  EPT_MISCONFIG(49, "ept_misconfig"),
  INVEPT(50, "invept"),
  PREEMPTION_TIMER(52, "preemption_timer"),
  INVVPID(53, "invvpid"),
  APIC_WRITE(56, "apic_write");

  private final int code;
  private final String statName;

  ExitReason(int code, String statName) {
    this.code = code;
    this.statName = statName;
  }

  /** The basic exit reason number of the SDM. */
  public int code() {
    return code;
  }

  /** The name used for this reason in statistics. */
  public String statName() {
    return statName;
  }
}
