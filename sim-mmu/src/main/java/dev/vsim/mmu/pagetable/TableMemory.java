package dev.vsim.mmu.pagetable;

import java.util.Arrays;

/**
 * The memory that holds paging structures, and only them: a 64 GiB guest costs heap for its tables,
 * never for its data pages. Table pages are allocated in order from a base physical address, so a
 * table's frame number gives its index here without a map look-up.
 */
public final class TableMemory {
  public static final int ENTRIES = 512;
  private static final int PAGE_SHIFT = 12;

  private final long baseFrame;
  // Indexed by frame number - baseFrame: a walk finds a table with one array index.
  private long[][] pages = new long[16][];
  private int count;
  // Bit per page: unlinked from its table and freed. A freed page keeps its frame (pages are never
  // reused, so table addresses, and what the caches make of them, do not depend on frees).
  private long[] freed = new long[1];
  private int freedCount;

  /**
   * @param basePhysicalAddress where the first table page is placed (4 KiB aligned)
   */
  public TableMemory(long basePhysicalAddress) {
    if ((basePhysicalAddress & 0xfff) != 0) {
      throw new IllegalArgumentException("table memory must start on a 4 KiB boundary");
    }
    this.baseFrame = basePhysicalAddress >>> PAGE_SHIFT;
  }

  /** Allocates a zeroed table page and returns its physical address. */
  public long allocate() {
    if (count == pages.length) {
      pages = Arrays.copyOf(pages, 2 * count);
    }
    pages[count++] = new long[ENTRIES];
    return (baseFrame + count - 1) << PAGE_SHIFT;
  }

  /** The 512 entries of the table at {@code physicalAddress}. */
  public long[] table(long physicalAddress) {
    long index = (physicalAddress >>> PAGE_SHIFT) - baseFrame;
    if (index < 0 || index >= count) {
      throw new IllegalArgumentException("no table page at 0x" + Long.toHexString(physicalAddress));
    }
    return pages[(int) index];
  }

  /** Whether a table page lives at this address. */
  public boolean holds(long physicalAddress) {
    long index = (physicalAddress >>> PAGE_SHIFT) - baseFrame;
    return index >= 0 && index < count;
  }

  /**
   * Records that the table page at {@code physicalAddress} was unlinked and freed (its entries stay
   * readable; its frame is not handed out again).
   *
   * @throws IllegalArgumentException if no table page lives there or it was freed already
   */
  public void free(long physicalAddress) {
    if (!holds(physicalAddress)) {
      throw new IllegalArgumentException("no table page at 0x" + Long.toHexString(physicalAddress));
    }
    int index = (int) ((physicalAddress >>> PAGE_SHIFT) - baseFrame);
    if (index >>> 6 >= freed.length) {
      freed = Arrays.copyOf(freed, Math.max(2 * freed.length, (index >>> 6) + 1));
    }
    long bit = 1L << index;
    if ((freed[index >>> 6] & bit) != 0) {
      throw new IllegalStateException(
          "table page 0x" + Long.toHexString(physicalAddress) + " freed twice");
    }
    freed[index >>> 6] |= bit;
    freedCount++;
  }

  /** Whether the table page at {@code physicalAddress} was freed. */
  public boolean isFreed(long physicalAddress) {
    if (!holds(physicalAddress)) {
      return false;
    }
    int index = (int) ((physicalAddress >>> PAGE_SHIFT) - baseFrame);
    return index >>> 6 < freed.length && (freed[index >>> 6] & (1L << index)) != 0;
  }

  /** Table pages allocated so far (freed ones included). */
  public int pageCount() {
    return count;
  }

  /** Table pages freed so far. */
  public int freedPageCount() {
    return freedCount;
  }

  /** Table pages in use: allocated and not freed. */
  public int livePageCount() {
    return count - freedCount;
  }

  /** Bytes of memory the tables occupy: every page allocated, freed ones included. */
  public long bytes() {
    return (long) count << PAGE_SHIFT;
  }

  /** Bytes of the table pages in use. */
  public long liveBytes() {
    return (long) livePageCount() << PAGE_SHIFT;
  }

  /** The physical address range [base, end) the table pages occupy. */
  public long baseAddress() {
    return baseFrame << PAGE_SHIFT;
  }

  public long endAddress() {
    return (baseFrame + count) << PAGE_SHIFT;
  }
}
