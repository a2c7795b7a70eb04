package dev.vsim.mmu.walk;

/** How the hardware translates a guest's linear addresses. */
public enum TranslationMode {
  /** No virtualization: one walk of the process's page table. */
  NATIVE,
  /** EPT: every guest table reference and the final guest-physical address go through EPT. */
  NESTED,
  /** Shadow paging: the hypervisor's combined guest-virtual to host-physical table. */
  SHADOW
}
