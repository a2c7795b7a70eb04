package dev.vsim.cpu.vmx;

/**
 * A vCPU's address translation hardware as the vCPU and its guest use it: translate a linear
 * address (TLBs, paging-structure caches, the walk), and the guest's TLB maintenance instructions.
 * The MMU in {@code sim-mmu} implements it; the vCPU runs its guest's memory touches through it.
 */
public interface AddressTranslation {
  /** What {@link #translate} returns when the address is not mapped. */
  long FAULT = -1;

  /** The host-physical address of {@code linear}, or {@link #FAULT}. */
  long translate(long linear, boolean write);

  /** Cycles the last translation took. */
  long lastCycles();

  /** Memory references of the last translation's walk (0 on a TLB hit). */
  int lastReferences();

  /**
   * After a {@link #FAULT}: the guest-physical address that EPT did not map (an EPT violation), or
   * -1 if the guest's own page table did not map the address (a guest page fault).
   */
  long lastFaultGpa();

  /** INVLPG: drops the current context's translations of {@code linear}. */
  void invlpg(long linear);

  /** MOV CR3 without PCID's no-flush bit: drops the current context's non-global translations. */
  void flushContext();

  /** Whether a TLB or paging-structure cache still holds a translation of {@code linear}. */
  boolean hasCachedTranslation(long linear);

  /** Page walks so far. */
  long walks();

  /** Walk references that missed every cache level so far. */
  long walkDramReferences();
}
