package dev.vsim.mmu.pagetable;

/**
 * Observes every change of an entry of a {@link PageTable}, as KVM's {@code handle_changed_spte}
 * does for the TDP MMU: the table's own accounting, dirty logging and TLB-flush bookkeeping hang
 * off this hook instead of being done by each operation.
 *
 * <p>A change is reported once, after the entry is written, and only when the value differs. When
 * an entry that pointed to a table is replaced, the table is unlinked with its whole subtree: each
 * present entry below it is then reported as changed to 0 (parents before their children), though
 * the unlinked pages are not rewritten. Entries filled into a table before it is linked (the leaves
 * of a split) are reported too, as changes from 0.
 *
 * <p>Hardware updates of accessed and dirty bits by a page walk ({@link TableCursor#setBits}) are
 * not changes made by software and are not reported, as the processor does not tell KVM either.
 */
@FunctionalInterface
public interface EntryListener {
  /**
   * @param address the first address the entry maps (aligned to its level)
   * @param level the entry's level, 1 for a PTE
   * @param oldEntry the value before the change (0: not present)
   * @param newEntry the value after the change
   */
  void entryChanged(long address, int level, long oldEntry, long newEntry);
}
