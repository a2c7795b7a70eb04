package dev.vsim.cpu.cache;

import java.util.Arrays;

/**
 * A set-associative cache of lines with true LRU replacement, holding tags only (the simulator
 * needs hits and misses, not data). Lines are selected by the low bits of the line number.
 */
public final class SetAssociativeCache {
  private static final long INVALID = -1;

  private final int sets;
  private final int setMask; // sets - 1 when sets is a power of two, else -1
  private final int ways;
  private final long[] tags; // set * ways + way
  private final long[] lastUse;
  private long clock;
  private long hits;
  private long misses;

  public SetAssociativeCache(int sets, int ways) {
    if (sets <= 0 || ways <= 0) {
      throw new IllegalArgumentException("sets and ways must be positive");
    }
    this.sets = sets;
    this.setMask = Integer.bitCount(sets) == 1 ? sets - 1 : -1;
    this.ways = ways;
    this.tags = new long[sets * ways];
    this.lastUse = new long[sets * ways];
    Arrays.fill(tags, INVALID);
  }

  /**
   * Looks up a line and, on a miss, fills it in place of the least recently used line of its set.
   *
   * @return true on a hit
   */
  public boolean access(long line) {
    int base = setOf(line) * ways;
    long now = ++clock;
    int victim = base;
    long oldest = Long.MAX_VALUE;
    for (int i = base, end = base + ways; i < end; i++) {
      if (tags[i] == line) {
        lastUse[i] = now;
        hits++;
        return true;
      }
      if (lastUse[i] < oldest) {
        oldest = lastUse[i];
        victim = i;
      }
    }
    tags[victim] = line;
    lastUse[victim] = now;
    misses++;
    return false;
  }

  /** Whether the line is present, without touching replacement state. */
  public boolean contains(long line) {
    int base = setOf(line) * ways;
    for (int i = base, end = base + ways; i < end; i++) {
      if (tags[i] == line) {
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
