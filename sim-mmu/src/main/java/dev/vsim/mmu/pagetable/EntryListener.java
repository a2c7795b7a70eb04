package dev.vsim.mmu.pagetable;

/**
 * Observes every change of an entry of a {@link PageTable}, as KVM's {@code handle_changed_spte}
 * does for the TDP MMU: the table's own accounting, dirty logging and TLB-flush bookkeeping hang
 * off this hook instead of being done by each operation.
 *
 * <p>A change is reported once, after the entry is written, and only when the value differs. Two
 * changes of a whole table come as one call each, so that a listener with nothing to do for them
 * pays nothing per entry; by default they are reported entry by entry:
 *
 * <ul>
 *   <li>the entries filled into a new table before it is linked (the 512 leaves of a split): {@link
 *       #tableFilled}, then the link is reported as a change of the parent entry;
 *   <li>the entries of a table unlinked with its subtree (the parent's change is reported first):
 *       {@link #tableUnlinked} for it, then for each table below it, parents before children. The
 *       unlinked pages are not rewritten.
 * </ul>
 *
 * <p>Hardware updates of accessed and dirty bits by a page walk ({@link TableCursor#setBits}) are
 * not changes made by software and are not reported, as the processor does not tell KVM either.
 */
public interface EntryListener {
  /**
   * @param address the first address the entry maps (aligned to its level)
   * @param level the entry's level, 1 for a PTE
   * @param oldEntry the value before the change (0: not present)
   * @param newEntry the value after the change
   */
  void entryChanged(long address, int level, long oldEntry, long newEntry);

  /**
   * The entries of a new table at {@code level} mapping from {@code address}, written before the
   * table is linked: each non-zero one is a change from 0 (the default reports it so).
   */
  default void tableFilled(long address, int level, long[] entries) {
    long span = 1L << (3 + 9 * level);
    for (int i = 0; i < entries.length; i++) {
      if (entries[i] != 0) {
        entryChanged(address + i * span, level, 0, entries[i]);
      }
    }
  }

  /**
   * The entries of a table at {@code level} mapping from {@code address}, unlinked: each non-zero
   * one is a change to 0 (the default reports it so).
   */
  default void tableUnlinked(long address, int level, long[] entries) {
    long span = 1L << (3 + 9 * level);
    for (int i = 0; i < entries.length; i++) {
      if (entries[i] != 0) {
        entryChanged(address + i * span, level, entries[i], 0);
      }
    }
  }
}
