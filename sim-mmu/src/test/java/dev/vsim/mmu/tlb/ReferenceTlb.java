package dev.vsim.mmu.tlb;

import dev.vsim.cpu.cache.CacheReplacementPolicies.Policy;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;

/**
 * The translation cache as it was before its per-set blocks (main 40f0130): dense keys, tags and
 * values in separate arrays. Kept as the reference model {@link TlbReferenceModelTest} checks the
 * real one against, look-up by look-up. A set-associative translation cache. Each entry maps a key
 * (a virtual page number, or a paging-structure prefix) under a context tag to a value (a physical
 * frame address). The context packs the tags invalidation selects by: PCID, VPID and the EPTP the
 * entry was derived from. Primitive arrays only; look-ups do not allocate.
 */
final class ReferenceTlb {
  // Keys are kept dense, apart from the rest, so that the scan of a set that misses (the common
  // case of a walk: L1 DTLB and STLB both miss) reads one or two host cache lines. The rest of an
  // entry is STRIDE adjacent longs: the tag, the value and the auxiliary value. The tag is the
  // context in its low 32 bits (INVALID there marks an empty way) and GLOBAL in bit 32.
  private static final int STRIDE = 3;
  private static final int TAG = 0;
  private static final int VALUE = 1;
  private static final int AUX = 2;
  private static final int INVALID = -1;
  private static final long INVALID_TAG = INVALID & 0xffff_ffffL;
  private static final long GLOBAL = 1L << 32;

  private final int sets;
  private final int setMask; // sets - 1 when sets is a power of two, else -1
  private final int ways;
  private final long[] keys;
  private final long[] entries;
  private long lastAux;
  private int lastHit; // entry last hit (fully associative only): checked first, as keys repeat
  private int previousHit; // the one hit before it
  private final int[] fill; // valid entries per set, so a full set goes straight to its victim
  private int valid; // valid entries in all, so that flushing an empty structure costs nothing
  private final Policy policy;
  // The policy again when it is true LRU, called through its final class so that the call inlines
  // even where several policies are in use (an interface call site would go megamorphic).
  private final ReplacementPolicies.Lru lru;
  private long hits;
  private long misses;

  ReferenceTlb(int entries, int ways, Policy policy, StatGroup stats) {
    if (entries % ways != 0) {
      throw new IllegalArgumentException(entries + " entries do not divide into " + ways + " ways");
    }
    this.sets = entries / ways;
    this.setMask = Integer.bitCount(sets) == 1 ? sets - 1 : -1;
    this.ways = ways;
    this.keys = new long[entries];
    this.entries = new long[entries * STRIDE];
    this.fill = new int[sets];
    for (int i = 0; i < entries; i++) {
      this.entries[i * STRIDE + TAG] = INVALID_TAG;
    }
    this.policy = policy;
    this.lru = policy instanceof ReplacementPolicies.Lru l ? l : null;
    stats.gauge(
        "hits", Unit.COUNT, "Lookups that found their translation in this cache", () -> hits);
    stats.gauge("misses", Unit.COUNT, "Lookups that missed in this cache", () -> misses);
  }

  private int setOf(long key) {
    return setMask >= 0 ? (int) key & setMask : (int) Long.remainderUnsigned(key, sets);
  }

  /** The value cached for (context, key), or -1 on a miss. Global entries match any PCID. */
  public long lookup(int context, long key) {
    long[] e = entries;
    long[] k = keys;
    if (sets == 1) {
      // Fully associative (the paging-structure caches): try the two entries hit last first, as
      // a nested walk alternates between its tables' region and its data's.
      int h = lastHit;
      if (k[h] == key && (int) e[h * STRIDE + TAG] == context) {
        return hit(0, h);
      }
      h = previousHit;
      if (k[h] == key && (int) e[h * STRIDE + TAG] == context) {
        previousHit = lastHit;
        lastHit = h;
        return hit(0, h);
      }
    }
    int set = setOf(key);
    int first = set * ways;
    for (int n = first, end = first + ways; n < end; n++) {
      if (k[n] == key) {
        long tag = e[n * STRIDE + TAG];
        // GLOBAL is only ever set on a valid tag.
        if ((int) tag == context
            || (tag >= GLOBAL && Context.samePcidIgnored((int) tag, context))) {
          if (sets == 1 && n != lastHit) { // only the fully associative fast path reads them
            previousHit = lastHit;
            lastHit = n;
          }
          return hit(set, n);
        }
      }
    }
    misses++;
    return -1;
  }

  private long hit(int set, int n) {
    touch(set, n - set * ways);
    hits++;
    int i = n * STRIDE;
    lastAux = entries[i + AUX];
    return entries[i + VALUE];
  }

  private void touch(int set, int way) {
    if (lru != null) {
      lru.touch(set, way);
    } else {
      policy.touch(set, way);
    }
  }

  private int victim(int set) {
    return lru != null ? lru.victim(set) : policy.victim(set);
  }

  /**
   * Whether (context, key) is cached, without counting a look-up or touching the replacement state:
   * for checks, not for the hardware's own look-ups.
   */
  public boolean contains(int context, long key) {
    int first = setOf(key) * ways;
    for (int n = first, end = first + ways; n < end; n++) {
      if (keys[n] == key && (int) entries[n * STRIDE + TAG] == context) {
        return true;
      }
    }
    return false;
  }

  /** Counts a look-up that is known to miss (nothing of its kind is cached), without scanning. */
  public void countMiss() {
    misses++;
  }

  /** The second value of the entry the last successful {@link #lookup} found. */
  public long lastAux() {
    return lastAux;
  }

  /** Caches (context, key) → value, evicting by the replacement policy if the set is full. */
  public void insert(int context, long key, long value, boolean isGlobal) {
    insert(context, key, value, 0, isGlobal);
  }

  /** Caches (context, key) → (value, auxiliary value). */
  public void insert(int context, long key, long value, long auxValue, boolean isGlobal) {
    int set = setOf(key);
    int first = set * ways;
    for (int n = first, end = first + ways; n < end; n++) {
      if (keys[n] == key && (int) entries[n * STRIDE + TAG] == context) {
        store(set, n, context, key, value, auxValue, isGlobal);
        return;
      }
    }
    insertAbsent(context, key, value, auxValue, isGlobal);
  }

  /**
   * Caches an entry the caller knows is not cached (a look-up of it just missed and nothing was
   * inserted since): fills an empty way, else evicts by the replacement policy.
   */
  public void insertAbsent(int context, long key, long value, long auxValue, boolean isGlobal) {
    int set = setOf(key);
    int first = set * ways;
    int n = -1;
    if (fill[set] < ways) {
      for (int m = first, end = first + ways; m < end; m++) {
        if ((int) entries[m * STRIDE + TAG] == INVALID) {
          n = m;
          fill[set]++;
          valid++;
          break;
        }
      }
    } else {
      n = first + victim(set);
    }
    store(set, n, context, key, value, auxValue, isGlobal);
  }

  private void store(
      int set, int n, int context, long key, long value, long auxValue, boolean isGlobal) {
    int i = n * STRIDE;
    keys[n] = key;
    entries[i + TAG] = (context & 0xffff_ffffL) | (isGlobal && context != INVALID ? GLOBAL : 0);
    entries[i + VALUE] = value;
    entries[i + AUX] = auxValue;
    touch(set, n - set * ways);
  }

  /**
   * Drops the entries whose context matches {@code value} under {@code mask} and, if {@code
   * onlyKey} is not -1, whose key is {@code onlyKey}; global entries survive if {@code keepGlobal}.
   *
   * @return the number of entries dropped
   */
  public int invalidate(int value, int mask, long onlyKey, boolean keepGlobal) {
    int dropped = 0;
    int from = 0;
    int to = sets * ways;
    if (onlyKey != -1) {
      int set = setOf(onlyKey);
      if (fill[set] == 0) {
        return 0; // nothing cached in its set (INVLPGs of a range often find it so)
      }
      from = set * ways;
      to = from + ways;
    } else if (valid == 0) {
      return 0; // empty: a flush after a flush
    }
    for (int n = from; n < to; n++) {
      // The dense key first: an INVLPG's scan of a set that does not hold its page reads the keys'
      // one or two host cache lines, not every way's tag.
      if (onlyKey != -1 && keys[n] != onlyKey) {
        continue;
      }
      int i = n * STRIDE;
      long tag = entries[i + TAG];
      if ((int) tag != INVALID
          && ((int) tag & mask) == (value & mask)
          && !(keepGlobal && tag >= GLOBAL)) {
        entries[i + TAG] = INVALID_TAG;
        fill[n / ways]--;
        valid--;
        dropped++;
      }
    }
    return dropped;
  }

  /** Drops every entry whose VPID is not 0 (INVVPID all-contexts spares the host's). */
  public int invalidateAllGuestVpids() {
    int dropped = 0;
    for (int n = 0; n < sets * ways; n++) {
      int context = (int) entries[n * STRIDE + TAG];
      if (context != INVALID && Context.vpid(context) != 0) {
        entries[n * STRIDE + TAG] = INVALID_TAG;
        fill[n / ways]--;
        valid--;
        dropped++;
      }
    }
    return dropped;
  }

  /** Number of valid entries. */
  public int occupancy() {
    int n = 0;
    for (int i = TAG; i < entries.length; i += STRIDE) {
      if ((int) entries[i] != INVALID) {
        n++;
      }
    }
    return n;
  }

  public long hits() {
    return hits;
  }

  public long misses() {
    return misses;
  }
}
