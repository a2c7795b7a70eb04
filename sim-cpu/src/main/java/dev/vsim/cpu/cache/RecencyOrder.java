package dev.vsim.cpu.cache;

/**
 * Exact LRU order of a set of up to 16 ways packed in one {@code long}: nibble {@code r} holds the
 * way at recency rank {@code r} (0 = most recently used). Every nibble holds a different way (ways
 * beyond a set's associativity sit, never touched, at the ranks beyond it), so a touch finds its
 * way with one word-wide compare and moves it to the front with shifts: no loop, no memory but the
 * word. The victim is the way at the last rank.
 */
public final class RecencyOrder {
  private RecencyOrder() {}

  /** The most ways one word orders. */
  public static final int MAX_WAYS = 16;

  /** Way {@code r} at rank {@code r}: way 0 most recent, the last way least. */
  public static final long IDENTITY = 0xfedc_ba98_7654_3210L;

  private static final long ONES = 0x1111_1111_1111_1111L;
  private static final long HIGHS = 0x8888_8888_8888_8888L;

  /**
   * The order in which the first {@code ways} ways are least recent in index order: way 0 is the
   * victim, then way 1, and so on, as in a cache whose empty ways fill lowest first.
   */
  public static long fillingLowestFirst(int ways) {
    long order = IDENTITY;
    for (int r = 0; r < ways; r++) {
      order = withWay(order, r, ways - 1 - r);
    }
    return order;
  }

  private static long withWay(long order, int rank, int way) {
    int shift = 4 * rank;
    return (order & ~(15L << shift)) | ((long) way << shift);
  }

  /** The way at {@code rank}. */
  public static int way(long order, int rank) {
    return (int) (order >>> (4 * rank)) & 15;
  }

  /**
   * The order after a use of {@code way}: it moves to rank 0, the ways more recent move down one.
   */
  public static long touch(long order, int way) {
    // The one nibble equal to the way is the lowest zero nibble of x; no borrow crosses the
    // nonzero nibbles below it, so the lowest flagged high bit is exact.
    long x = order ^ (way * ONES);
    long zero = (x - ONES) & ~x & HIGHS;
    int shift = Long.numberOfTrailingZeros(zero) - 3; // 4 x the way's rank
    long more = order & ((1L << shift) - 1); // the ways more recent than it
    long less = order & ((-1L << shift) << 4); // the ways less recent (a shift of 64 would wrap)
    return less | (more << 4) | way;
  }

  /** The order after a use of the way at rank 1: the two most recent swap. */
  public static long swapFirstTwo(long order) {
    return (order & ~0xffL) | ((order & 0xf) << 4) | ((order >>> 4) & 0xf);
  }
}
