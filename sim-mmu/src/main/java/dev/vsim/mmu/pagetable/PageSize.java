package dev.vsim.mmu.pagetable;

/** The leaf sizes of x86-64 paging and EPT, with the table level their leaves sit at. */
public enum PageSize {
  SIZE_4K(1, 12),
  SIZE_2M(2, 21),
  SIZE_1G(3, 30);

  private static final PageSize[] BY_LEVEL = {null, SIZE_4K, SIZE_2M, SIZE_1G};

  private final int level;
  private final int shift;
  private final long offsetMask;

  PageSize(int level, int shift) {
    this.level = level;
    this.shift = shift;
    this.offsetMask = (1L << shift) - 1;
  }

  /** The bits of an address within a page of this size. */
  public long offsetMask() {
    return offsetMask;
  }

  /** The paging level whose entries map this size: 1 for PTEs, 2 for PDEs, 3 for PDPTEs. */
  public int level() {
    return level;
  }

  public int shift() {
    return shift;
  }

  public long bytes() {
    return 1L << shift;
  }

  /** The page size for a number of bytes (4096, 2 MiB or 1 GiB). */
  public static PageSize ofBytes(long bytes) {
    for (PageSize s : values()) {
      if (s.bytes() == bytes) {
        return s;
      }
    }
    throw new IllegalArgumentException("page size must be 4KiB, 2MiB or 1GiB, got " + bytes);
  }

  /** The page size whose leaves sit at {@code level}. */
  public static PageSize ofLevel(int level) {
    return BY_LEVEL[level];
  }

  /** The smaller of two sizes (a shadow table maps at the smaller of guest and host size). */
  public static PageSize min(PageSize a, PageSize b) {
    return a.ordinal() <= b.ordinal() ? a : b;
  }
}
