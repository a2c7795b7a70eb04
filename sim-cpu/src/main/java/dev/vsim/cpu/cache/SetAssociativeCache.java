package dev.vsim.cpu.cache;

/**
 * A set-associative cache of lines with true LRU replacement, holding tags only (the simulator
 * needs hits and misses, not data). Lines are selected by the low bits of the line number.
 */
public final class SetAssociativeCache {
  private static final long INVALID = -1;

  private final int sets;
  private final int setMask; // sets - 1 when sets is a power of two, else -1
  private final int ways;
  // Tag and last-use time of each way, interleaved so that a set's ways sit in adjacent host
  // cache lines: slot (set * ways + way) * 2 is the tag, the next long its last use.
  private final long[] slots;
  private long clock;
  // Per set, the slot used last and the one used before it: checked first, as lines are re-read.
  private final int[] mru;
  private long hits;
  private long misses;

  public SetAssociativeCache(int sets, int ways) {
    if (sets <= 0 || ways <= 0) {
      throw new IllegalArgumentException("sets and ways must be positive");
    }
    this.sets = sets;
    this.setMask = Integer.bitCount(sets) == 1 ? sets - 1 : -1;
    this.ways = ways;
    this.slots = new long[2 * sets * ways];
    this.mru = new int[2 * sets];
    for (int s = 0; s < sets; s++) {
      mru[2 * s] = 2 * s * ways;
      mru[2 * s + 1] = 2 * s * ways;
    }
    for (int i = 0; i < slots.length; i += 2) {
      slots[i] = INVALID;
    }
  }

  /**
   * Looks up a line and, on a miss, fills it in place of the least recently used line of its set.
   *
   * @return true on a hit
   */
  public boolean access(long line) {
    long now = ++clock;
    int set = setOf(line);
    long[] s = slots;
    // The two slots used last in this set first: a page walk alternates between two lines (a
    // guest and an EPT entry) that often share a set.
    int h = mru[2 * set];
    if (s[h] == line) {
      s[h + 1] = now;
      hits++;
      return true;
    }
    int h2 = mru[2 * set + 1];
    if (s[h2] == line) {
      s[h2 + 1] = now;
      hits++;
      mru[2 * set] = h2;
      mru[2 * set + 1] = h;
      return true;
    }
    int base = set * ways * 2;
    int end = base + 2 * ways;
    for (int i = base; i < end; i += 2) {
      if (s[i] == line) {
        s[i + 1] = now;
        hits++;
        use(set, i);
        return true;
      }
    }
    // A miss: only now look at the last-use times (the first oldest way, as empty ways are 0).
    int victim = base;
    long oldest = s[base + 1];
    for (int i = base + 2; i < end; i += 2) {
      if (s[i + 1] < oldest) {
        oldest = s[i + 1];
        victim = i;
      }
    }
    use(set, victim);
    s[victim] = line;
    s[victim + 1] = now;
    misses++;
    return false;
  }

  private void use(int set, int slot) {
    mru[2 * set + 1] = mru[2 * set];
    mru[2 * set] = slot;
  }

  /** Whether the line is present, without touching replacement state. */
  public boolean contains(long line) {
    int base = setOf(line) * ways * 2;
    for (int i = base, end = base + 2 * ways; i < end; i += 2) {
      if (slots[i] == line) {
        return true;
      }
    }
    return false;
  }

  private int setOf(long line) {
    return setMask >= 0 ? (int) line & setMask : (int) Long.remainderUnsigned(line, sets);
  }

  public long hits() {
    return hits;
  }

  public long misses() {
    return misses;
  }

  public int sets() {
    return sets;
  }

  public int ways() {
    return ways;
  }
}
