package dev.vsim.mmu.pagetable;

/**
 * Bit layout of a paging-structure entry: the guest's IA-32e tables and EPT differ in how they say
 * present, writable, accessed and dirty, and agree on the address field and the page-size bit.
 */
public enum EntryFormat {
  /** IA-32e paging: P bit 0, R/W bit 1, A bit 5, D bit 6, PS bit 7, G bit 8. */
  X86(1L, 1L << 1, 1L << 5, 1L << 6, 1L | (1L << 1)),
  /** EPT: read bit 0, write bit 1, execute bit 2, A bit 8, D bit 9 (with A/D enabled), PS bit 7. */
  EPT(0b111L, 1L << 1, 1L << 8, 1L << 9, 0b111L);

  /** Bits 51:12: the physical frame an entry points to. */
  public static final long ADDRESS_MASK = 0x000f_ffff_ffff_f000L;

  /** Bit 7: the entry maps a large page instead of pointing to a table. */
  public static final long PAGE_SIZE = 1L << 7;

  private final long presentMask;
  private final long writable;
  private final long accessed;
  private final long dirty;
  private final long tableFlags;

  EntryFormat(long presentMask, long writable, long accessed, long dirty, long tableFlags) {
    this.presentMask = presentMask;
    this.writable = writable;
    this.accessed = accessed;
    this.dirty = dirty;
    this.tableFlags = tableFlags;
  }

  public boolean isPresent(long entry) {
    return (entry & presentMask) != 0;
  }

  public boolean isWritable(long entry) {
    return (entry & writable) != 0;
  }

  public boolean isAccessed(long entry) {
    return (entry & accessed) != 0;
  }

  public boolean isDirty(long entry) {
    return (entry & dirty) != 0;
  }

  public long accessedBit() {
    return accessed;
  }

  public long dirtyBit() {
    return dirty;
  }

  public long writableBit() {
    return writable;
  }

  /** An entry pointing to a next-level table (always present and writable). */
  public long tableEntry(long tableAddress) {
    return (tableAddress & ADDRESS_MASK) | tableFlags;
  }

  /** A leaf entry mapping {@code address} at {@code level} (1 = 4 KiB). */
  public long leafEntry(long address, int level, boolean canWrite) {
    long e = (address & ADDRESS_MASK) | (presentMask & ~writable);
    if (canWrite) {
      e |= writable;
    }
    if (level > 1) {
      e |= PAGE_SIZE;
    }
    return e;
  }

  /** Whether a present entry at {@code level} maps a page rather than pointing to a table. */
  public static boolean isLeaf(long entry, int level) {
    return level == 1 || (entry & PAGE_SIZE) != 0;
  }

  public static long address(long entry) {
    return entry & ADDRESS_MASK;
  }
}
