package dev.vsim.mmu.pagetable;

/**
 * A radix paging structure (512 entries a level, 4 or 5 levels) used for guest page tables, EPT and
 * shadow tables alike; the {@link EntryFormat} says which. Table pages are allocated on demand from
 * a {@link TableMemory}, so their count is the page-table memory overhead.
 */
public final class PageTable {
  private final EntryFormat format;
  private final int levels;
  private final TableMemory memory;
  private final long root;
  private final TableCursor cursor = new TableCursor();

  public PageTable(EntryFormat format, int levels, TableMemory memory) {
    if (levels != 4 && levels != 5) {
      throw new IllegalArgumentException("paging has 4 or 5 levels, got " + levels);
    }
    this.format = format;
    this.levels = levels;
    this.memory = memory;
    this.root = memory.allocate();
  }

  public EntryFormat format() {
    return format;
  }

  public int levels() {
    return levels;
  }

  public TableMemory memory() {
    return memory;
  }

  /** Physical address of the root table (CR3 or the EPTP's address field). */
  public long root() {
    return root;
  }

  /** Highest address + 1 this structure can map. */
  public long addressLimit() {
    return 1L << (12 + 9 * levels);
  }

  /**
   * Maps the page of {@code size} at {@code address} (aligned) to {@code target}, allocating the
   * tables on the way.
   *
   * @throws IllegalStateException if a mapping of another size is in the way
   */
  public void map(long address, long target, PageSize size, boolean writable) {
    long mask = size.bytes() - 1;
    if ((address & mask) != 0 || (target & mask) != 0) {
      throw new IllegalArgumentException("addresses must be aligned to " + size);
    }
    if (address < 0 || address >= addressLimit()) {
      throw new IllegalArgumentException("address beyond a " + levels + "-level table");
    }
    TableCursor c = cursor.start(this, address);
    while (c.level() > size.level()) {
      if (!c.isPresent()) {
        c.write(format.tableEntry(memory.allocate()));
      } else if (c.isLeaf()) {
        throw new IllegalStateException(
            "a large page at level " + c.level() + " already maps 0x" + Long.toHexString(address));
      }
      c.down();
    }
    if (c.isPresent() && !c.isLeaf()) {
      throw new IllegalStateException("a table at level " + c.level() + " is in the way");
    }
    c.write(format.leafEntry(target, size.level(), writable));
  }

  /** Maps [address, address + length) linearly to [target, ...) with pages of {@code size}. */
  public void mapRange(long address, long target, long length, PageSize size, boolean writable) {
    for (long off = 0; off < length; off += size.bytes()) {
      map(address + off, target + off, size, writable);
    }
  }

  /** Clears the leaf mapping {@code address}; returns false if nothing mapped it. */
  public boolean unmap(long address) {
    TableCursor c = cursor.start(this, address);
    while (c.isPresent() && !c.isLeaf()) {
      c.down();
    }
    if (!c.isPresent()) {
      return false;
    }
    c.write(0);
    return true;
  }

  /** The leaf entry mapping {@code address}, or 0 if none (no pricing: a software look-up). */
  public long leafEntry(long address) {
    TableCursor c = cursor.start(this, address);
    while (c.isPresent() && !c.isLeaf()) {
      c.down();
    }
    return c.isPresent() ? c.entry() : 0;
  }

  /** What {@code address} translates to, or -1 if it is not mapped. */
  public long translate(long address) {
    TableCursor c = cursor.start(this, address);
    while (c.isPresent() && !c.isLeaf()) {
      c.down();
    }
    return c.isPresent() ? c.translated() : -1;
  }

  /** Replaces the leaf entry of a mapped address (the caller then invalidates what cached it). */
  public void updateLeaf(long address, long newTarget, boolean writable) {
    TableCursor c = cursor.start(this, address);
    while (c.isPresent() && !c.isLeaf()) {
      c.down();
    }
    if (!c.isPresent()) {
      throw new IllegalStateException("0x" + Long.toHexString(address) + " is not mapped");
    }
    c.write(format.leafEntry(newTarget, c.level(), writable));
  }

  // ---- operations of the hypervisor on EPT: dirty logging splits and restores large pages ----

  /** The level of the leaf mapping {@code address} (1 for 4 KiB), or 0 if nothing maps it. */
  public int leafLevel(long address) {
    TableCursor c = cursor.start(this, address);
    while (c.isPresent() && !c.isLeaf()) {
      c.down();
    }
    return c.isPresent() ? c.level() : 0;
  }

  /**
   * Replaces the large leaf mapping {@code address} with a table of 512 leaves one level down that
   * map the same memory (accessed and dirty bits clear), as KVM's huge-page split does.
   *
   * @return the level of the leaf that was split, or 0 if no large leaf maps {@code address}
   */
  public int split(long address, boolean writable) {
    TableCursor c = cursor.start(this, address);
    while (c.isPresent() && !c.isLeaf()) {
      c.down();
    }
    if (!c.isPresent() || c.level() == 1) {
      return 0;
    }
    int level = c.level();
    long childBytes = 1L << (12 + 9 * (level - 2));
    long base = EntryFormat.address(c.entry()) & ~((childBytes << 9) - 1);
    long table = memory.allocate();
    long[] entries = memory.table(table);
    for (int i = 0; i < TableMemory.ENTRIES; i++) {
      entries[i] = format.leafEntry(base + i * childBytes, level - 1, writable);
    }
    c.write(format.tableEntry(table));
    return level;
  }

  /**
   * Maps the page of {@code size} at {@code address} with one large leaf, replacing the table of
   * smaller mappings that was there (restoring a huge page after dirty logging).
   *
   * @return the address of the table page that was unlinked, or -1 if there was none
   */
  public long collapse(long address, long target, PageSize size, boolean writable) {
    TableCursor c = cursor.start(this, address);
    while (c.level() > size.level()) {
      if (!c.isPresent()) {
        c.write(format.tableEntry(memory.allocate()));
      } else if (c.isLeaf()) {
        throw new IllegalStateException(
            "a larger page already maps 0x" + Long.toHexString(address));
      }
      c.down();
    }
    long unlinked = c.isPresent() && !c.isLeaf() ? EntryFormat.address(c.entry()) : -1;
    c.write(format.leafEntry(target, size.level(), writable));
    return unlinked;
  }

  /**
   * Sets and clears bits of the leaf entry mapping {@code address} (the W bit for write-protection,
   * the D bit for dirty logging).
   *
   * @return the entry before the change, or 0 if nothing maps {@code address}
   */
  public long updateLeafBits(long address, long set, long clear) {
    TableCursor c = cursor.start(this, address);
    while (c.isPresent() && !c.isLeaf()) {
      c.down();
    }
    if (!c.isPresent()) {
      return 0;
    }
    long before = c.entry();
    c.write((before | set) & ~clear);
    return before;
  }
}
