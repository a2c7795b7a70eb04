package dev.vsim.cpu.pv;

/**
 * KVM paravirtual features, advertised to the guest as bits of EAX of CPUID leaf {@link #LEAF}
 * ({@code KVM_FEATURE_*} in {@code arch/x86/include/uapi/asm/kvm_para.h}).
 */
public enum KvmFeature {
  CLOCKSOURCE(0),
  NOP_IO_DELAY(1),
  MMU_OP(2),
  CLOCKSOURCE2(3),
  ASYNC_PF(4),
  STEAL_TIME(5),
  PV_EOI(6),
  PV_UNHALT(7),
  PV_TLB_FLUSH(9),
  ASYNC_PF_VMEXIT(10),
  PV_SEND_IPI(11),
  POLL_CONTROL(12),
  PV_SCHED_YIELD(13),
  ASYNC_PF_INT(14),
  MSI_EXT_DEST_ID(15),
  HC_MAP_GPA_RANGE(16),
  MIGRATION_CONTROL(17);

  /** CPUID leaf of KVM's feature bits (the signature leaf is 0x40000000). */
  public static final int LEAF = 0x4000_0001;

  private final int bit;

  KvmFeature(int bit) {
    this.bit = bit;
  }

  public int bit() {
    return bit;
  }

  /** The CPUID EAX value advertising exactly these features. */
  public static int eax(Iterable<KvmFeature> features) {
    int eax = 0;
    for (KvmFeature f : features) {
      eax |= 1 << f.bit;
    }
    return eax;
  }

  /** Whether CPUID EAX advertises this feature. */
  public boolean isIn(int eax) {
    return (eax & (1 << bit)) != 0;
  }
}
