package dev.vsim.cpu.vmx;

/**
 * The exit information fields of the VMCS for one exit, reused by each vCPU for every exit so exits
 * do not allocate. The guest's registers that the handler reads (RAX..RDX for CPUID and VMCALL, RCX
 * and EDX:EAX for WRMSR) are carried as {@code rax..rdx}.
 */
public final class VmExit {
  private ExitReason reason;
  private long qualification;
  private long guestPhysicalAddress;
  private long guestLinearAddress;
  private int instructionLength;
  private long rax;
  private long rbx;
  private long rcx;
  private long rdx;
  private long rsi;

  /** Clears every field and sets the reason; the fluent setters fill the rest. */
  public VmExit reset(ExitReason r) {
    reason = r;
    qualification = 0;
    guestPhysicalAddress = 0;
    guestLinearAddress = 0;
    instructionLength = 0;
    rax = 0;
    rbx = 0;
    rcx = 0;
    rdx = 0;
    rsi = 0;
    return this;
  }

  /** Copies another exit's fields into this one. */
  public VmExit copyFrom(VmExit o) {
    reason = o.reason;
    qualification = o.qualification;
    guestPhysicalAddress = o.guestPhysicalAddress;
    guestLinearAddress = o.guestLinearAddress;
    instructionLength = o.instructionLength;
    rax = o.rax;
    rbx = o.rbx;
    rcx = o.rcx;
    rdx = o.rdx;
    rsi = o.rsi;
    return this;
  }

  public ExitReason reason() {
    return reason;
  }

  public long qualification() {
    return qualification;
  }

  public VmExit qualification(long q) {
    qualification = q;
    return this;
  }

  public long guestPhysicalAddress() {
    return guestPhysicalAddress;
  }

  public VmExit guestPhysicalAddress(long gpa) {
    guestPhysicalAddress = gpa;
    return this;
  }

  public long guestLinearAddress() {
    return guestLinearAddress;
  }

  public VmExit guestLinearAddress(long gla) {
    guestLinearAddress = gla;
    return this;
  }

  public int instructionLength() {
    return instructionLength;
  }

  public VmExit instructionLength(int n) {
    instructionLength = n;
    return this;
  }

  public long rax() {
    return rax;
  }

  public long rbx() {
    return rbx;
  }

  public long rcx() {
    return rcx;
  }

  /** RSI: the fourth hypercall argument (KVM's a3). */
  public long rsi() {
    return rsi;
  }

  public VmExit rsi(long value) {
    rsi = value;
    return this;
  }

  public long rdx() {
    return rdx;
  }

  /** Sets the general-purpose registers the handler reads. */
  public VmExit registers(long rax, long rbx, long rcx, long rdx) {
    this.rax = rax;
    this.rbx = rbx;
    this.rcx = rcx;
    this.rdx = rdx;
    return this;
  }

  /** WRMSR: ECX holds the MSR, EDX:EAX the value. */
  public VmExit wrmsr(int msr, long value) {
    return registers(value & 0xffff_ffffL, 0, msr & 0xffff_ffffL, value >>> 32);
  }

  /** The 64-bit value of a WRMSR exit (EDX:EAX). */
  public long msrValue() {
    return (rdx << 32) | (rax & 0xffff_ffffL);
  }

  /** The MSR index of a WRMSR or RDMSR exit (ECX). */
  public int msrIndex() {
    return (int) rcx;
  }
}
