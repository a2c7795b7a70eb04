package dev.vsim.cpu.pv;

/** Model-specific register numbers that guest and hypervisor share. */
public final class Msr {
  private Msr() {}

  /** x2APIC registers: MSR 0x800 + (xAPIC MMIO offset >> 4). */
  public static final int X2APIC_APIC_ID = 0x802;

  public static final int X2APIC_TPR = 0x808;
  public static final int X2APIC_EOI = 0x80b;
  public static final int X2APIC_LDR = 0x80d;

  /** Interrupt command register: one 64-bit write sends an IPI. */
  public static final int X2APIC_ICR = 0x830;

  /** Self-IPI register: the vector written is sent to this CPU. */
  public static final int X2APIC_SELF_IPI = 0x83f;

  /** KVM's paravirtual MSRs ({@code MSR_KVM_*}). */
  public static final int KVM_ASYNC_PF_EN = 0x4b56_4d02;

  public static final int KVM_STEAL_TIME = 0x4b56_4d03;
  public static final int KVM_PV_EOI_EN = 0x4b56_4d04;
  public static final int KVM_POLL_CONTROL = 0x4b56_4d05;
}
