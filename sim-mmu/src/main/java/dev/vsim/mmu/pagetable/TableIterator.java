package dev.vsim.mmu.pagetable;

/**
 * A pre-order iterator over the entries of a {@link PageTable} in an address range, the way KVM's
 * {@code tdp_iter} and {@code for_each_tdp_pte} serve every range operation of the TDP MMU. It
 * visits each present entry whose span meets the range (and, when asked, each non-present slot),
 * parents before their children, in address order; it exposes the entry's level, the address it
 * maps, the table page at each level down to it, and the entry's value as last read or written.
 *
 * <p>{@link #next()} steps down into the table the current entry points to, else to the next entry
 * at the same level, else up; so an operation that links a new table at the current entry (through
 * {@link PageTable#set}) walks into it next. {@link #skip()} goes on without stepping down: it
 * skips the current entry's subtree. Nothing is allocated per entry: one iterator object is reused
 * for any number of walks.
 *
 * <p>The entry value is re-read when the iterator moves to an entry; a change made to the current
 * entry other than through {@link PageTable#set} must be followed by {@link #reload()}.
 */
public final class TableIterator {
  private static final int MAX_LEVELS = 5;

  private final long[][] tables = new long[MAX_LEVELS + 1][];
  private final long[] tableAddresses = new long[MAX_LEVELS + 1];
  private PageTable table;
  private EntryFormat format;
  private int rootLevel;
  private int minLevel;
  private boolean nonPresent;
  private long first;
  private long end;
  private boolean valid;
  private int level;
  private long address;
  private long entry;

  /** Visits the present entries of {@code pt} that map part of [from, to), at every level. */
  public TableIterator start(PageTable pt, long from, long to) {
    return start(pt, from, to, 1, false);
  }

  /**
   * Visits the entries of {@code pt} that map part of [from, to), at levels {@code minLevel} and
   * above; with {@code nonPresent}, the non-present slots too (where an operation may link a table
   * or install a leaf). The range is cut at {@link PageTable#addressLimit()}.
   */
  public TableIterator start(PageTable pt, long from, long to, int minLevel, boolean nonPresent) {
    if (minLevel < 1 || minLevel > pt.levels()) {
      throw new IllegalArgumentException(
          "no level " + minLevel + " in a " + pt.levels() + "-level table");
    }
    if (table != pt) {
      table = pt;
      format = pt.format();
    }
    this.rootLevel = pt.levels();
    this.minLevel = minLevel;
    this.nonPresent = nonPresent;
    this.end = Math.min(to, pt.addressLimit());
    this.first = Math.max(from, 0);
    if (first >= end) {
      valid = false;
      return this;
    }
    level = rootLevel;
    tableAddresses[level] = pt.root();
    tables[level] = pt.memory().table(pt.root());
    address = first & ~mask(level);
    entry = tables[level][index(address, level)];
    valid = true;
    if (!accepted()) {
      advance(false);
    }
    return this;
  }

  /** Whether the iterator is at an entry (false once the range is done). */
  public boolean valid() {
    return valid;
  }

  /** Moves to the next entry in pre-order: into the current entry's table if it points to one. */
  public void next() {
    advance(true);
  }

  /** Moves to the next entry that is not below the current one: skips the current subtree. */
  public void skip() {
    advance(false);
  }

  /** Re-reads the current entry from memory (after a change made behind the iterator's back). */
  public void reload() {
    entry = tables[level][index(address, level)];
  }

  public PageTable table() {
    return table;
  }

  /** The current entry's level: the table's root level down to 1 for a PTE. */
  public int level() {
    return level;
  }

  /** The first address the current entry maps (aligned to its span: may lie below the range). */
  public long address() {
    return address;
  }

  /** Bytes the current entry maps: 4 KiB at level 1, 2 MiB at level 2, ... */
  public long span() {
    return 1L << shift(level);
  }

  /** The current entry's value as last read or written through {@link PageTable#set}. */
  public long entry() {
    return entry;
  }

  public boolean isPresent() {
    return format.isPresent(entry);
  }

  /** Whether the current entry is present and maps a page. */
  public boolean isLeaf() {
    return format.isPresent(entry) && EntryFormat.isLeaf(entry, level);
  }

  /** Whether the current entry is present and points to a table. */
  public boolean isTable() {
    return format.isPresent(entry) && !EntryFormat.isLeaf(entry, level);
  }

  /** Index of the current entry in its table. */
  public int index() {
    return index(address, level);
  }

  /**
   * Physical address of the table page at {@code lvl} on the path to the current entry ({@code lvl}
   * from the root level down to the current level).
   */
  public long tableAddress(int lvl) {
    if (lvl < level || lvl > rootLevel) {
      throw new IllegalArgumentException("level " + lvl + " is not on the path to level " + level);
    }
    return tableAddresses[lvl];
  }

  /** Physical address of the current entry. */
  public long entryAddress() {
    return tableAddresses[level] + 8L * index();
  }

  /** Writes the current entry (no listener is told: {@link PageTable#set} does that). */
  void write(long value) {
    tables[level][index(address, level)] = value;
    entry = value;
  }

  private boolean accepted() {
    return nonPresent || format.isPresent(entry);
  }

  private void advance(boolean tryDown) {
    if (!valid) {
      throw new IllegalStateException("the iteration is over");
    }
    boolean down =
        tryDown && level > minLevel && format.isPresent(entry) && !EntryFormat.isLeaf(entry, level);
    while (true) {
      if (down) {
        stepDown();
        down = false;
      } else if (!stepSide()) {
        valid = false;
        return;
      }
      if (accepted()) {
        return;
      }
    }
  }

  private void stepDown() {
    long child = EntryFormat.address(entry);
    long from = address; // the parent's first address, or the range's if that is later
    level--;
    tableAddresses[level] = child;
    long[] t = table.memory().table(child);
    tables[level] = t;
    if (from < first) {
      from = first;
    }
    address = from & ~mask(level);
    entry = t[index(address, level)];
  }

  private boolean stepSide() {
    long next = address + (1L << shift(level));
    if (next >= end) {
      return false; // everything after this entry in pre-order lies at or beyond the end
    }
    while (index(next, level) == 0) { // past the last entry of this table: up to the parent's next
      if (level == rootLevel) {
        return false;
      }
      level++;
    }
    address = next;
    entry = tables[level][index(next, level)];
    return true;
  }

  private static int shift(int lvl) {
    return 3 + 9 * lvl;
  }

  private static long mask(int lvl) {
    return (1L << shift(lvl)) - 1;
  }

  private static int index(long addr, int lvl) {
    return (int) ((addr >>> shift(lvl)) & 511);
  }
}
