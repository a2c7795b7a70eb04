package dev.vsim.mmu.tlb;

import dev.vsim.cpu.stats.StatGroup;
import java.util.Arrays;

/**
 * A set-associative translation cache. Each entry maps a key (a virtual page number, or a
 * paging-structure prefix) under a context tag to a value (a physical frame address). The context
 * packs the tags invalidation selects by: PCID, VPID and the EPTP the entry was derived from.
 * Primitive arrays only; look-ups do not allocate.
 */
public final class Tlb {
  /** Marks an empty way. */
  private static final int INVALID = -1;

  private final int sets;
  private final int setMask; // sets - 1 when sets is a power of two, else -1
  private final int ways;
  private final long[] keys;
  private final int[] contexts;
  private final long[] values;
  private final long[] aux;
  private long lastAux;
  private int lastHit; // index of the last entry hit: checked first, as look-ups repeat keys
  private final boolean[] global;
  private final byte[] fill; // valid entries per set, so a full set goes straight to its victim
  private final ReplacementPolicy policy;
  private long hits;
  private long misses;

  /** A structure of the profile's geometry with the named replacement policy. */
  public static Tlb of(
      dev.vsim.cpu.profile.TlbLevel geometry, String policy, long seed, StatGroup stats) {
    int sets = geometry.entries() / geometry.ways();
    return new Tlb(
        geometry.entries(),
        geometry.ways(),
        ReplacementPolicies.create(policy, sets, geometry.ways(), seed),
        stats);
  }

  public Tlb(int entries, int ways, ReplacementPolicy policy, StatGroup stats) {
    if (entries % ways != 0) {
      throw new IllegalArgumentException(entries + " entries do not divide into " + ways + " ways");
    }
    this.sets = entries / ways;
    this.setMask = Integer.bitCount(sets) == 1 ? sets - 1 : -1;
    this.ways = ways;
    this.keys = new long[entries];
    this.contexts = new int[entries];
    this.values = new long[entries];
    this.aux = new long[entries];
    this.global = new boolean[entries];
    this.fill = new byte[sets];
    if (ways > Byte.MAX_VALUE) {
      throw new IllegalArgumentException("at most 127 ways");
    }
    Arrays.fill(contexts, INVALID);
    this.policy = policy;
    stats.gauge("hits", () -> hits);
    stats.gauge("misses", () -> misses);
  }

  private int setOf(long key) {
    return setMask >= 0 ? (int) key & setMask : (int) Long.remainderUnsigned(key, sets);
  }

  /** The value cached for (context, key), or -1 on a miss. Global entries match any PCID. */
  public long lookup(int context, long key) {
    int set = setOf(key);
    int base = set * ways;
    if (sets == 1) {
      // Fully associative (the paging-structure caches): try the entry hit last time first.
      int h = lastHit;
      if (keys[h] == key && contexts[h] == context) {
        return hit(set, h);
      }
    }
    for (int w = 0; w < ways; w++) {
      int i = base + w;
      if (keys[i] == key
          && (contexts[i] == context
              || (global[i]
                  && contexts[i] != INVALID
                  && Context.samePcidIgnored(contexts[i], context)))) {
        lastHit = i;
        return hit(set, i);
      }
    }
    misses++;
    return -1;
  }

  private long hit(int set, int i) {
    policy.touch(set, i - set * ways);
    hits++;
    lastAux = aux[i];
    return values[i];
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
    int base = set * ways;
    for (int w = 0; w < ways; w++) {
      int i = base + w;
      if (contexts[i] == context && keys[i] == key) {
        store(set, w, context, key, value, auxValue, isGlobal);
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
    int way = -1;
    if (fill[set] < ways) {
      int base = set * ways;
      for (int w = 0; w < ways; w++) {
        if (contexts[base + w] == INVALID) {
          way = w;
          fill[set]++;
          break;
        }
      }
    } else {
      way = policy.victim(set);
    }
    store(set, way, context, key, value, auxValue, isGlobal);
  }

  private void store(
      int set, int way, int context, long key, long value, long auxValue, boolean isGlobal) {
    int i = set * ways + way;
    keys[i] = key;
    contexts[i] = context;
    values[i] = value;
    aux[i] = auxValue;
    global[i] = isGlobal;
    policy.touch(set, way);
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
    int to = contexts.length;
    if (onlyKey != -1) {
      from = setOf(onlyKey) * ways;
      to = from + ways;
    }
    for (int i = from; i < to; i++) {
      if (contexts[i] != INVALID
          && (contexts[i] & mask) == (value & mask)
          && (onlyKey == -1 || keys[i] == onlyKey)
          && !(keepGlobal && global[i])) {
        contexts[i] = INVALID;
        fill[i / ways]--;
        dropped++;
      }
    }
    return dropped;
  }

  /** Drops every entry whose VPID is not 0 (INVVPID all-contexts spares the host's). */
  public int invalidateAllGuestVpids() {
    int dropped = 0;
    for (int i = 0; i < contexts.length; i++) {
      if (contexts[i] != INVALID && Context.vpid(contexts[i]) != 0) {
        contexts[i] = INVALID;
        fill[i / ways]--;
        dropped++;
      }
    }
    return dropped;
  }

  /** Number of valid entries. */
  public int occupancy() {
    int n = 0;
    for (int c : contexts) {
      if (c != INVALID) {
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
