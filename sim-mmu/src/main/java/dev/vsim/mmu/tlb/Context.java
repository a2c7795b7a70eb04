package dev.vsim.mmu.tlb;

/**
 * The tag of a cached translation: which address space it belongs to, packed in an int so tags
 * compare in one instruction. Bits 11:0 PCID, bits 27:12 VPID, bits 30:28 the slot of the EPTP the
 * entry was derived from (0 without EPT).
 */
public final class Context {
  private Context() {}

  public static final int PCID_MASK = 0xfff;
  public static final int VPID_MASK = 0xffff << 12;
  public static final int EPT_MASK = 0x7 << 28;

  public static int of(int eptSlot, int vpid, int pcid) {
    if (pcid < 0 || pcid > 0xfff || vpid < 0 || vpid > 0xffff || eptSlot < 0 || eptSlot > 7) {
      throw new IllegalArgumentException("context out of range");
    }
    return (eptSlot << 28) | (vpid << 12) | pcid;
  }

  public static int pcid(int context) {
    return context & PCID_MASK;
  }

  public static int vpid(int context) {
    return (context & VPID_MASK) >>> 12;
  }

  public static int eptSlot(int context) {
    return (context & EPT_MASK) >>> 28;
  }

  /** Whether two contexts agree on everything but the PCID (global entries ignore PCIDs). */
  static boolean samePcidIgnored(int a, int b) {
    return (a & ~PCID_MASK) == (b & ~PCID_MASK);
  }
}
