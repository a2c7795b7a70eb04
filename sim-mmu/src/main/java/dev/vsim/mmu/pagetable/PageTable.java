package dev.vsim.mmu.pagetable;

/**
 * A radix paging structure (512 entries a level, 4 or 5 levels) used for guest page tables, EPT and
 * shadow tables alike; the {@link EntryFormat} says which. Table pages are allocated on demand from
 * a {@link TableMemory}, so their count is the page-table memory overhead.
 *
 * <p>Every change of an entry goes through one setter ({@link #set}, or its single-address form
 * inside the point operations), which tells the {@link EntryListener}s: the table-memory accounting
 * (a table page unlinked with its subtree is freed in {@link TableMemory}) is the first of them;
 * users add theirs (dirty logging, TLB-flush bookkeeping). Range operations run on a {@link
 * TableIterator}; the point look-ups ({@link #translate}, {@link #leafEntry}, {@link #leafLevel})
 * stay a plain descent with a {@link TableCursor}, as the MMU's walk does.
 */
public final class PageTable {
  private static final EntryListener[] NO_LISTENERS = {};

  private final EntryFormat format;
  private final int levels;
  private final TableMemory memory;
  private final long root;
  private final TableCursor cursor = new TableCursor();
  private final TableIterator iterator = new TableIterator();
  private EntryListener[] listeners = NO_LISTENERS;

  // The point operations' memo of level-1 tables: for a 2 MiB region whose level-2 entry points to
  // a table, that table's address, so that a look-up repeated for the same page (the EPT fault
  // path asks three times) or its neighbours reads one entry instead of descending from the root.
  // Direct-mapped by a hash of the region; a change of a present entry above level 1 (a table
  // unlinked, a huge page split or collapsed) empties it by moving to a new generation.
  private static final int MEMO_BITS = 10;
  private final long[] memoRegion = new long[1 << MEMO_BITS];
  private final long[] memoTable = new long[1 << MEMO_BITS];
  private final int[] memoGeneration = new int[1 << MEMO_BITS];
  private int generation = 1;

  public PageTable(EntryFormat format, int levels, TableMemory memory) {
    if (levels != 4 && levels != 5) {
      throw new IllegalArgumentException("paging has 4 or 5 levels, got " + levels);
    }
    this.format = format;
    this.levels = levels;
    this.memory = memory;
    this.root = memory.allocate();
    java.util.Arrays.fill(memoRegion, -1); // no region: a slot never used matches nothing
    addListener(new Accounting());
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

  // ---- the one setter and its hook ------------------------------------------------------------

  /** Adds a listener told of every change of an entry from now on (after those added before). */
  public void addListener(EntryListener listener) {
    EntryListener[] l = java.util.Arrays.copyOf(listeners, listeners.length + 1);
    l[listeners.length] = listener;
    listeners = l;
  }

  /** Removes a listener added with {@link #addListener} (no-op if it is not there). */
  public void removeListener(EntryListener listener) {
    for (int i = 0; i < listeners.length; i++) {
      if (listeners[i] == listener) {
        EntryListener[] l = new EntryListener[listeners.length - 1];
        System.arraycopy(listeners, 0, l, 0, i);
        System.arraycopy(listeners, i + 1, l, i, l.length - i);
        listeners = l;
        return;
      }
    }
  }

  /**
   * Replaces the entry the iterator is at with {@code value} and reports the change (the iterator
   * then holds the new value: {@link TableIterator#next()} steps into a table just linked).
   */
  public void set(TableIterator it, long value) {
    if (it.table() != this || !it.valid()) {
      throw new IllegalArgumentException("the iterator is not at an entry of this table");
    }
    long old = it.entry();
    it.write(value);
    changed(it.address(), it.level(), old, value);
  }

  /** The single-address form of {@link #set}: the cursor was started at {@code address}. */
  private void set(TableCursor c, long address, long value) {
    long old = c.entry();
    c.write(value);
    changed(address & ~spanMask(c.level()), c.level(), old, value);
  }

  /**
   * Tells the listeners; an entry that pointed to a table and no longer does unlinks the table, and
   * its entries are reported as cleared, and those of the tables below (as KVM's
   * handle_removed_pt).
   */
  private void changed(long address, int level, long oldEntry, long newEntry) {
    if (oldEntry == newEntry) {
      return;
    }
    if (level > 1 && format.isPresent(oldEntry)) {
      // A present entry above level 1 changed: a remembered descent may have passed through it,
      // so forget every memo. (One that was not present was on no remembered descent's way: a
      // table linked into a hole, the common case of a fault, keeps the memos.)
      generation++;
    }
    EntryListener[] l = listeners;
    for (int i = 0; i < l.length; i++) {
      l[i].entryChanged(address, level, oldEntry, newEntry);
    }
    if (unlinksTable(level, oldEntry, newEntry)) {
      unlinked(EntryFormat.address(oldEntry), level - 1, address);
    }
  }

  /** Reports the entries of an unlinked table at {@code level}, then the tables below it. */
  private void unlinked(long table, int level, long address) {
    long[] entries = memory.table(table);
    EntryListener[] l = listeners;
    for (int i = 0; i < l.length; i++) {
      l[i].tableUnlinked(address, level, entries);
    }
    if (level > 1) {
      long span = 1L << shift(level);
      for (int i = 0; i < TableMemory.ENTRIES; i++) {
        if (isTable(entries[i], level)) {
          unlinked(EntryFormat.address(entries[i]), level - 1, address + i * span);
        }
      }
    }
  }

  /** Whether a change of an entry at {@code level} unlinks the table the old value pointed to. */
  private boolean unlinksTable(int level, long oldEntry, long newEntry) {
    return isTable(oldEntry, level)
        && !(isTable(newEntry, level)
            && EntryFormat.address(newEntry) == EntryFormat.address(oldEntry));
  }

  /** Whether {@code entry} at {@code level} is present and points to a table. */
  public boolean isTable(long entry, int level) {
    return level > 1 && format.isPresent(entry) && (entry & EntryFormat.PAGE_SIZE) == 0;
  }

  /** Table-memory accounting on the hook: a table page unlinked is freed, with those below it. */
  private final class Accounting implements EntryListener {
    @Override
    public void entryChanged(long address, int level, long oldEntry, long newEntry) {
      if (unlinksTable(level, oldEntry, newEntry)) {
        memory.free(EntryFormat.address(oldEntry));
      }
    }

    @Override
    public void tableFilled(long address, int level, long[] entries) {
      // Nothing was there before: nothing to free.
    }

    @Override
    public void tableUnlinked(long address, int level, long[] entries) {
      if (level > 1) {
        for (long e : entries) {
          if (isTable(e, level)) {
            memory.free(EntryFormat.address(e));
          }
        }
      }
    }
  }

  /**
   * An iterator over [from, to) of this table (the table's own, reused: do not hold it across
   * another operation of this table).
   */
  private TableIterator iterate(long from, long to, int minLevel, boolean nonPresent) {
    return iterator.start(this, from, to, minLevel, nonPresent);
  }

  /**
   * Links a new, empty table at the iterator's entry (which must not be present); {@link
   * TableIterator#next()} then steps down into it.
   */
  public void linkNewTable(TableIterator it) {
    if (it.isPresent()) {
      throw new IllegalStateException("a present entry is in the way at level " + it.level());
    }
    if (it.level() == 1) {
      throw new IllegalStateException("no table below level 1");
    }
    set(it, format.tableEntry(memory.allocate()));
  }

  /** Table pages reachable from the root (the root included), counted by a walk of the table. */
  public long countTablePages() {
    long n = 1;
    TableIterator it = new TableIterator();
    for (it.start(this, 0, addressLimit(), 2, false); it.valid(); it.next()) {
      if (it.isTable()) {
        n++;
      }
    }
    return n;
  }

  // ---- mapping
  // -----------------------------------------------------------------------------------

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
    long region = address >>> 21;
    int m = memoSlot(region);
    if (size.level() == 1 && memoGeneration[m] == generation && memoRegion[m] == region) {
      set(
          cursor.startAt(this, address, 1, memoTable[m]),
          address,
          format.leafEntry(target, 1, writable));
      return;
    }
    TableCursor c = cursor.start(this, address);
    while (c.level() > size.level()) {
      if (!c.isPresent()) {
        set(c, address, format.tableEntry(memory.allocate()));
      } else if (c.isLeaf()) {
        throw largePageInTheWay(c.level(), address);
      }
      c.down();
    }
    if (c.isPresent() && !c.isLeaf()) {
      throw tableInTheWay(c.level());
    }
    set(c, address, format.leafEntry(target, size.level(), writable));
    if (c.level() == 1) {
      remember(m, region, c.tableAddress());
    }
  }

  private static IllegalStateException largePageInTheWay(int level, long address) {
    return new IllegalStateException(
        "a large page at level " + level + " already maps 0x" + Long.toHexString(address));
  }

  private static IllegalStateException tableInTheWay(int level) {
    return new IllegalStateException("a table at level " + level + " is in the way");
  }

  /**
   * Maps [address, address + length) linearly to [target, ...) with pages of {@code size} (the last
   * page may reach past the end), in one pass of the iterator: the tables on the way are allocated
   * in address order, parents first, as mapping page by page would.
   */
  public void mapRange(long address, long target, long length, PageSize size, boolean writable) {
    if (length <= 0) {
      return;
    }
    long mask = size.bytes() - 1;
    if ((address & mask) != 0 || (target & mask) != 0) {
      throw new IllegalArgumentException("addresses must be aligned to " + size);
    }
    long limit = addressLimit();
    if (address < 0 || address >= limit) {
      throw new IllegalArgumentException("address beyond a " + levels + "-level table");
    }
    long end = address + ((length + mask) & ~mask);
    int leafLevel = size.level();
    for (TableIterator it = iterate(address, Math.min(end, limit), leafLevel, true);
        it.valid();
        it.next()) {
      if (it.level() > leafLevel) {
        if (!it.isPresent()) {
          linkNewTable(it);
        } else if (it.isLeaf()) {
          throw largePageInTheWay(it.level(), Math.max(it.address(), address));
        }
      } else if (it.isTable()) {
        throw tableInTheWay(leafLevel);
      } else {
        set(it, format.leafEntry(target + (it.address() - address), leafLevel, writable));
      }
    }
    if (end > limit) {
      throw new IllegalArgumentException("address beyond a " + levels + "-level table");
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
    set(c, address, 0);
    return true;
  }

  /**
   * Clears every leaf that maps part of [from, to) (a large page cut by the bounds goes whole); the
   * tables stay, as after {@link #unmap}.
   *
   * @return the number of leaves cleared
   */
  public long unmapRange(long from, long to) {
    long n = 0;
    for (TableIterator it = iterate(from, to, 1, false); it.valid(); it.next()) {
      if (it.isLeaf()) {
        set(it, 0);
        n++;
      }
    }
    return n;
  }

  /** The leaf entry mapping {@code address}, or 0 if none (no pricing: a software look-up). */
  public long leafEntry(long address) {
    TableCursor c = descend(address);
    return c.isPresent() ? c.entry() : 0;
  }

  /**
   * The cursor at the entry where a descent for {@code address} from the root stops (the leaf, or
   * the first entry not present), through the memo when it knows the region's level-1 table.
   */
  private TableCursor descend(long address) {
    long region = address >>> 21;
    int m = memoSlot(region);
    if (memoGeneration[m] == generation && memoRegion[m] == region) {
      return cursor.startAt(this, address, 1, memoTable[m]);
    }
    TableCursor c = cursor.start(this, address);
    while (c.isPresent() && !c.isLeaf()) {
      c.down();
    }
    if (c.level() == 1) {
      remember(m, region, c.tableAddress());
    }
    return c;
  }

  private static int memoSlot(long region) {
    return (int) ((region * 0x9E3779B97F4A7C15L) >>> (64 - MEMO_BITS));
  }

  private void remember(int m, long region, long table) {
    memoRegion[m] = region;
    memoTable[m] = table;
    memoGeneration[m] = generation;
  }

  /** What {@code address} translates to, or -1 if it is not mapped. */
  public long translate(long address) {
    TableCursor c = descend(address);
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
    set(c, address, format.leafEntry(newTarget, c.level(), writable));
  }

  // ---- operations of the hypervisor on EPT: dirty logging splits and restores large pages ----

  /**
   * How far down a walk for {@code address} gets through present tables, stopping at {@code level}:
   * {@code level} if every table down to the one holding the level-{@code level} entry is linked,
   * otherwise the level of the first entry that is not present (or is a leaf). A fault that maps at
   * {@code level} links the tables below the returned level.
   */
  public int walkStopLevel(long address, int level) {
    TableCursor c = cursor.start(this, address);
    while (c.level() > level && c.isPresent() && !c.isLeaf()) {
      c.down();
    }
    return c.level();
  }

  /** The level of the leaf mapping {@code address} (1 for 4 KiB), or 0 if nothing maps it. */
  public int leafLevel(long address) {
    TableCursor c = descend(address);
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
    set(c, address, splitTable(address & ~spanMask(level), c.entry(), level, writable));
    return level;
  }

  /**
   * Splits the leaf at the iterator (above level 1) into a table of 512 leaves one level down; the
   * iterator's {@link TableIterator#next()} then steps into that table.
   */
  public void split(TableIterator it, boolean writable) {
    if (!it.isLeaf() || it.level() == 1) {
      throw new IllegalStateException("no large leaf to split at level " + it.level());
    }
    set(it, splitTable(it.address(), it.entry(), it.level(), writable));
  }

  /**
   * Allocates and fills the table that replaces the large {@code leaf} at {@code level} mapping
   * {@code address}: the 512 new leaves are reported (as filled) before the table is linked.
   *
   * @return the entry that links it
   */
  private long splitTable(long address, long leaf, int level, boolean writable) {
    int childLevel = level - 1;
    long childBytes = 1L << shift(childLevel);
    long base = EntryFormat.address(leaf) & ~spanMask(level);
    long table = memory.allocate();
    long[] entries = memory.table(table);
    for (int i = 0; i < TableMemory.ENTRIES; i++) {
      entries[i] = format.leafEntry(base + i * childBytes, childLevel, writable);
    }
    EntryListener[] l = listeners;
    for (int i = 0; i < l.length; i++) {
      l[i].tableFilled(address, childLevel, entries);
    }
    return format.tableEntry(table);
  }

  /**
   * Splits every large leaf that maps part of [from, to) until the range is mapped by leaves at
   * {@code leafLevel} or below (a 1 GiB page split to 4 KiB goes through a table of 2 MiB leaves,
   * each split in turn, in address order).
   *
   * @return the number of leaves split
   */
  public long splitRange(long from, long to, int leafLevel, boolean writable) {
    if (leafLevel < 1 || leafLevel >= levels) {
      throw new IllegalArgumentException("cannot split to level " + leafLevel);
    }
    long n = 0;
    for (TableIterator it = iterate(from, to, leafLevel + 1, false); it.valid(); it.next()) {
      if (it.isLeaf()) {
        split(it, writable);
        n++;
      }
    }
    return n;
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
        set(c, address, format.tableEntry(memory.allocate()));
      } else if (c.isLeaf()) {
        throw largerPageInTheWay(address);
      }
      c.down();
    }
    long unlinked = c.isPresent() && !c.isLeaf() ? EntryFormat.address(c.entry()) : -1;
    set(c, address, format.leafEntry(target, size.level(), writable));
    return unlinked;
  }

  private static IllegalStateException largerPageInTheWay(long address) {
    return new IllegalStateException("a larger page already maps 0x" + Long.toHexString(address));
  }

  /**
   * Maps [from, to) (aligned to {@code size}) linearly to [target, ...) with leaves of {@code size}
   * wherever no leaf of that size maps it yet: tables of smaller mappings are unlinked (and freed),
   * holes are filled, leaves already of that size are left as they are.
   *
   * @return the number of leaves installed
   */
  public long collapseRange(long from, long to, long target, PageSize size, boolean writable) {
    long mask = size.bytes() - 1;
    if ((from & mask) != 0 || (to & mask) != 0 || (target & mask) != 0) {
      throw new IllegalArgumentException("addresses must be aligned to " + size);
    }
    int leafLevel = size.level();
    long n = 0;
    for (TableIterator it = iterate(from, to, leafLevel, true); it.valid(); it.next()) {
      if (it.level() > leafLevel) {
        if (!it.isPresent()) {
          linkNewTable(it);
        } else if (it.isLeaf()) {
          throw largerPageInTheWay(Math.max(it.address(), from));
        }
      } else if (!it.isLeaf()) {
        set(it, format.leafEntry(target + (it.address() - from), leafLevel, writable));
        n++;
      }
    }
    return n;
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
    set(c, address, (before | set) & ~clear);
    return before;
  }

  /**
   * Sets and clears bits of every leaf that maps part of [from, to) (a large page cut by the bounds
   * included).
   *
   * @return the number of leaves visited
   */
  public long updateLeafBitsRange(long from, long to, long set, long clear) {
    long n = 0;
    for (TableIterator it = iterate(from, to, 1, false); it.valid(); it.next()) {
      if (it.isLeaf()) {
        set(it, (it.entry() | set) & ~clear);
        n++;
      }
    }
    return n;
  }

  private static int shift(int level) {
    return 3 + 9 * level;
  }

  private static long spanMask(int level) {
    return (1L << shift(level)) - 1;
  }
}
