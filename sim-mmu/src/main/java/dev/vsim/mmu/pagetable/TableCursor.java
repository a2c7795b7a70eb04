package dev.vsim.mmu.pagetable;

/**
 * Steps down a radix paging structure for one address, one level at a time: the MMU's page walks
 * and the point operations of {@link PageTable} (a look-up, one mapping) are written on top of this
 * cursor; range operations use a {@link TableIterator}. It does no pricing itself; callers charge a
 * memory reference for each entry they read at {@link #entryAddress()}. Its {@link #write} is raw:
 * software changes of a table go through {@link PageTable}'s setter, which reports them; the walk's
 * accessed and dirty bit updates ({@link #setBits}) are the hardware's and are not reported.
 */
public final class TableCursor {
  private PageTable table;
  private long address;
  private int level;
  private long tableAddress;
  private long entry;

  /** Positions the cursor at the root entry that maps {@code addr}. */
  public TableCursor start(PageTable pt, long addr) {
    return startAt(pt, addr, pt.levels(), pt.root());
  }

  /**
   * Positions the cursor at {@code level}'s entry for {@code addr} in the table at {@code
   * tableAddr}: a walk that a paging-structure cache shortened starts here.
   */
  public TableCursor startAt(PageTable pt, long addr, int lvl, long tableAddr) {
    if (table != pt) { // a walker's cursor keeps its table: skip the reference store's GC barrier
      table = pt;
    }
    this.address = addr;
    this.level = lvl;
    this.tableAddress = tableAddr;
    this.entry = pt.memory().table(tableAddr)[index()];
    return this;
  }

  /** The level of the current entry: 5 or 4 at the root, 1 for a PTE. */
  public int level() {
    return level;
  }

  /** Index of the current entry in its table (9 address bits per level). */
  public int index() {
    return (int) ((address >>> (12 + 9 * (level - 1))) & 511);
  }

  /** Physical address of the table holding the current entry. */
  public long tableAddress() {
    return tableAddress;
  }

  /** Physical address of the current entry: what a hardware walk reads. */
  public long entryAddress() {
    return tableAddress + 8L * index();
  }

  public long entry() {
    return entry;
  }

  public boolean isPresent() {
    return table.format().isPresent(entry);
  }

  public boolean isLeaf() {
    return isPresent() && EntryFormat.isLeaf(entry, level);
  }

  /** Moves to the next level's entry; the current one must be a present non-leaf entry. */
  public void down() {
    if (!isPresent() || isLeaf()) {
      throw new IllegalStateException("cannot step below a leaf or a non-present entry");
    }
    tableAddress = EntryFormat.address(entry);
    level--;
    entry = table.memory().table(tableAddress)[index()];
  }

  /** Replaces the current entry in memory. */
  public void write(long value) {
    table.memory().table(tableAddress)[index()] = value;
    entry = value;
  }

  /** Sets bits in the current entry (accessed, dirty), as a walk's locked update does. */
  public void setBits(long bits) {
    if ((entry & bits) != bits) {
      write(entry | bits);
    }
  }

  /** The address the current leaf maps {@link #address} to. */
  public long translated() {
    long offsetMask = (1L << (12 + 9 * (level - 1))) - 1;
    return (EntryFormat.address(entry) & ~offsetMask) | (address & offsetMask);
  }
}
