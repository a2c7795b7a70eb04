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
  private final int[] mru; // per set, the slot used last: checked first, as lines are re-read
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
    this.mru = new int[sets];
    for (int s = 0; s < sets; s++) {
      mru[s] = 2 * s * ways;
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
    int h = mru[set];
    if (slots[h] == line) {
      slots[h + 1] = now;
      hits++;
      return true;
    }
    int base = set * ways * 2;
    int victim = base;
    long oldest = Long.MAX_VALUE;
    for (int i = base, end = base + 2 * ways; i < end; i += 2) {
      if (slots[i] == line) {
        slots[i + 1] = now;
        hits++;
        mru[set] = i;
        return true;
      }
      if (slots[i + 1] < oldest) {
        oldest = slots[i + 1];
        victim = i;
      }
    }
    mru[set] = victim;
    slots[victim] = line;
    slots[victim + 1] = now;
    misses++;
    return false;
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
