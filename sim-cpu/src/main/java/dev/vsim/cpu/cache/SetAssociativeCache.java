package dev.vsim.cpu.cache;

import java.util.Arrays;

/**
 * A set-associative cache of lines, holding tags only (the simulator needs hits and misses, not
 * data). Lines are selected by the low bits of the line number. Replacement is true LRU unless a
 * policy of {@link CacheReplacementPolicies} is named: LRU has fast paths of its own, any other
 * policy is asked on every hit, fill and eviction (empty ways are filled lowest first).
 */
public final class SetAssociativeCache {
  private static final long INVALID = -1;

  private final int sets;
  private final int setMask; // sets - 1 when sets is a power of two, else -1
  private final int ways;
  // Per set, a block of stride longs: with an order word (below) that word first, then the tag of
  // each way. A set's order and tags sit in one or two host cache lines, and one array (one
  // header, one bounds check) serves both: with many vCPUs interleaving, each access finds this
  // core's cache model cold in the host's caches, so the lines it touches are its cost.
  private final long[] tags;
  private final int stride;
  private final int tag0; // offset of way 0's tag in a block: 1 with an order word, else 0
  // Sets of 2 to 16 ways: the exact LRU order of each set in one word (RecencyOrder), so the
  // victim is read, not searched for, and a hit on the most recent way writes nothing.
  private final boolean ordered;
  // Other sets: the last-use time of each way, and per set the way used last and the one before it
  // (checked first, as lines are re-read). The victim is the first way used longest ago (empty
  // ways are 0), which is what the packed order gives too.
  private final long[] lastUse;
  private final int[] mru;
  // A policy other than LRU, else null (then ordered or lastUse is set).
  private final CacheReplacementPolicies.Policy policy;
  private long clock;
  private long hits;
  private long misses;

  /** A cache with true LRU replacement. */
  public SetAssociativeCache(int sets, int ways) {
    this(sets, ways, CacheReplacementPolicies.DEFAULT, 0);
  }

  /**
   * A cache with the named replacement policy.
   *
   * @param policy a name of {@link CacheReplacementPolicies#REGISTRY}
   * @param seed seeds the random policy; the others ignore it
   * @throws IllegalArgumentException for an unknown name (with a did-you-mean) or more ways than
   *     the policy supports
   */
  public SetAssociativeCache(int sets, int ways, String policy, long seed) {
    if (sets <= 0 || ways <= 0) {
      throw new IllegalArgumentException("sets and ways must be positive");
    }
    CacheReplacementPolicies.Kind kind = CacheReplacementPolicies.REGISTRY.get(policy);
    String tooMany = CacheReplacementPolicies.waysProblem(policy, ways);
    if (tooMany != null) {
      throw new IllegalArgumentException(tooMany);
    }
    this.sets = sets;
    this.setMask = Integer.bitCount(sets) == 1 ? sets - 1 : -1;
    this.ways = ways;
    this.ordered = kind.builtInLru() && ways >= 2 && ways <= RecencyOrder.MAX_WAYS;
    this.tag0 = ordered ? 1 : 0;
    this.stride = ways + tag0;
    this.tags = new long[sets * stride];
    Arrays.fill(tags, INVALID);
    if (ordered) {
      long initial = RecencyOrder.fillingLowestFirst(ways);
      for (int s = 0; s < sets; s++) {
        tags[s * stride] = initial;
      }
    }
    if (!kind.builtInLru()) {
      this.policy = kind.builder().create(sets, ways, seed);
      this.lastUse = null;
      this.mru = null;
      return;
    }
    this.policy = null;
    if (ordered) {
      this.lastUse = null;
      this.mru = null;
    } else {
      this.lastUse = new long[sets * ways];
      this.mru = new int[2 * sets];
      for (int s = 0; s < sets; s++) {
        mru[2 * s] = s * ways;
        mru[2 * s + 1] = s * ways;
      }
    }
  }

  /**
   * Looks up a line and, on a miss, fills it in place of the least recently used line of its set.
   *
   * @return true on a hit
   */
  public boolean access(long line) {
    return ordered ? accessOrdered(line) : accessOther(line);
  }

  private boolean accessOther(long line) {
    return lastUse != null ? accessStamped(line) : accessWithPolicy(line);
  }

  private boolean accessWithPolicy(long line) {
    int set = setOf(line);
    long[] t = tags;
    int base = set * ways;
    int empty = -1;
    for (int w = 0; w < ways; w++) {
      long tag = t[base + w];
      if (tag == line) {
        policy.touch(set, w);
        hits++;
        return true;
      }
      if (tag == INVALID && empty < 0) {
        empty = w;
      }
    }
    int victim = empty >= 0 ? empty : policy.victim(set);
    t[base + victim] = line;
    policy.touch(set, victim);
    misses++;
    return false;
  }

  private boolean accessOrdered(long line) {
    long[] t = tags;
    int block = setOf(line) * stride; // the order word, then the tags
    long o = t[block];
    // The two most recent ways first: a page walk alternates between two lines (a guest and an
    // EPT entry) that often share a set.
    if (t[block + 1 + RecencyOrder.way(o, 0)] == line) {
      hits++;
      return true;
    }
    if (t[block + 1 + RecencyOrder.way(o, 1)] == line) {
      t[block] = RecencyOrder.swapFirstTwo(o);
      hits++;
      return true;
    }
    return scanOrdered(line, block, o);
  }

  // Apart from the two checks above, so that they inline small into the page walker.
  private boolean scanOrdered(long line, int block, long o) {
    long[] t = tags;
    int base = block + 1;
    for (int w = 0; w < ways; w++) {
      if (t[base + w] == line) {
        t[block] = RecencyOrder.touch(o, w);
        hits++;
        return true;
      }
    }
    int victim = RecencyOrder.way(o, ways - 1);
    t[base + victim] = line;
    t[block] = RecencyOrder.touch(o, victim);
    misses++;
    return false;
  }

  private boolean accessStamped(long line) {
    long now = ++clock;
    int set = setOf(line);
    long[] t = tags;
    long[] u = lastUse;
    int h = mru[2 * set];
    if (t[h] == line) {
      u[h] = now;
      hits++;
      return true;
    }
    int h2 = mru[2 * set + 1];
    if (t[h2] == line) {
      u[h2] = now;
      hits++;
      mru[2 * set] = h2;
      mru[2 * set + 1] = h;
      return true;
    }
    int base = set * ways;
    int end = base + ways;
    for (int i = base; i < end; i++) {
      if (t[i] == line) {
        u[i] = now;
        hits++;
        use(set, i);
        return true;
      }
    }
    // A miss: only now look at the last-use times (the first oldest way, as empty ways are 0).
    int victim = base;
    long oldest = u[base];
    for (int i = base + 1; i < end; i++) {
      if (u[i] < oldest) {
        oldest = u[i];
        victim = i;
      }
    }
    use(set, victim);
    t[victim] = line;
    u[victim] = now;
    misses++;
    return false;
  }

  private void use(int set, int slot) {
    mru[2 * set + 1] = mru[2 * set];
    mru[2 * set] = slot;
  }

  /** Whether the line is present, without touching replacement state. */
  public boolean contains(long line) {
    int base = setOf(line) * stride + tag0;
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
