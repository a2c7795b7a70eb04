package dev.vsim.cpu.pv;

/**
 * KVM hypercall numbers (RAX of VMCALL), as in Linux's {@code include/uapi/linux/kvm_para.h}, and
 * the error values a hypercall returns.
 */
public final class KvmHypercall {
  private KvmHypercall() {}

  public static final int VAPIC_POLL_IRQ = 1;
  public static final int MMU_OP = 2;
  public static final int FEATURES = 3;
  public static final int KICK_CPU = 5;
  public static final int CLOCK_PAIRING = 9;

  /** Send IPIs to up to 128 vCPUs named by a bitmap in two 64-bit arguments. */
  public static final int SEND_IPI = 10;

  /** Yield to the vCPU with this APIC ID, if it is preempted. */
  public static final int SCHED_YIELD = 11;

  public static final int MAP_GPA_RANGE = 12;

  /** Returned (negated) in RAX for an unknown hypercall number. */
  public static final long KVM_ENOSYS = 1000;

  /** Destinations one {@link #SEND_IPI} covers in 64-bit mode: two 64-bit bitmaps. */
  public static final int SEND_IPI_DESTINATIONS_64BIT = 128;

  /** Destinations one {@link #SEND_IPI} covers in 32-bit mode. */
  public static final int SEND_IPI_DESTINATIONS_32BIT = 64;
}
