package dev.vsim.mmu.tlb;

import dev.vsim.cpu.cache.CacheReplacementPolicies.Policy;
import dev.vsim.cpu.cache.RecencyOrder;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import java.util.function.LongSupplier;

/**
 * A set-associative translation cache. Each entry maps a key (a virtual page number, or a
 * paging-structure prefix) under a context tag to a value (a physical frame address). The context
 * packs the tags invalidation selects by: PCID, VPID and the EPTP the entry was derived from.
 * Primitive arrays only; look-ups do not allocate.
 */
public final class Tlb {
  // With many vCPUs interleaving, a vCPU's structures are cold in the host's caches at each of its
  // events, so the layout is chosen for the number of host cache lines an operation touches. All
  // state lives in one long[] (one array header, one bounds check): first a header per set, then
  // the records of every way.
  //
  //   header   ORDER: the set's exact LRU order (RecencyOrder), only when the policy is LRU of up
  //            to 16 ways; then one 16-bit fingerprint of each way's key, four to a word, 0 marking
  //            an empty way (so the fingerprints also say which ways are valid)
  //   record   per way KEY, TAG, VALUE, AUX (the tag: the context in its low 32 bits, GLOBAL in
  //            bit 32; INVALID in an empty way)
  //
  // A look-up that misses (the common case of a walk: the L1 DTLB and the STLB both miss) reads
  // its set's header (one host cache line, rarely two) and no record unless a fingerprint matches;
  // a hit reads one record more; an insert finds its empty way or its victim in the header it just
  // read. Headers are dense, so that an INVLPG of a range, whose pages fall in consecutive sets,
  // reads several sets' fingerprints per host cache line. The fingerprint is a filter only: every
  // candidate way is checked by its full key and tag, in way order, so results are those of a
  // plain scan.
  private static final int RECORD = 4;
  private static final int KEY = 0;
  private static final int TAG = 1;
  private static final int VALUE = 2;
  private static final int AUX = 3;
  private static final int INVALID = -1;
  private static final long INVALID_TAG = INVALID & 0xffff_ffffL;
  private static final long GLOBAL = 1L << 32;
  private static final long LANE_ONES = 0x0001_0001_0001_0001L;
  private static final long LANE_HIGHS = 0x8000_8000_8000_8000L;

  private final int sets;
  private final int setMask; // sets - 1 when sets is a power of two, else -1
  private final int ways;
  private final int fpWords; // fingerprint words per set
  private final int fp0; // offset of the fingerprints in a header: 1 after an ORDER word, else 0
  private final int header; // longs per set header
  private final int recordBase; // offset of set 0 way 0's record
  private final int fpShift; // the set index's bits (0 unless sets is a power of two)
  private final long[] data;
  // One bit per set, set while the set holds an entry: dense, so that an INVLPG of a range reads
  // one host cache line for its many sets (mostly empty in a vCPU that never cached the range)
  // rather than each set's header, and a flush visits only the sets that hold something.
  private final long[] occupied;
  private long lastAux;
  private int lastHit; // way last hit (fully associative only): checked first, as keys repeat
  private int previousHit; // the one hit before it
  private int valid; // valid entries in all, so that flushing an empty structure costs nothing
  private final Policy policy;
  // LRU of up to 16 ways is kept in each set's ORDER word (beside its fingerprints) instead of the
  // policy object's own array; the policy object is then not used.
  private final boolean packedLru;
  // The policy again when it is true LRU of more ways, called through its final class so that the
  // call inlines even where several policies are in use (an interface call site would go
  // megamorphic).
  private final ReplacementPolicies.Lru lru;
  private long hits;
  private long misses;
  private LongSupplier missesElsewhere; // null: none

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

  public Tlb(int entries, int ways, Policy policy, StatGroup stats) {
    if (entries % ways != 0) {
      throw new IllegalArgumentException(entries + " entries do not divide into " + ways + " ways");
    }
    this.sets = entries / ways;
    this.setMask = Integer.bitCount(sets) == 1 ? sets - 1 : -1;
    this.ways = ways;
    this.policy = policy;
    boolean isLru = policy instanceof ReplacementPolicies.Lru;
    this.packedLru = isLru && ways <= RecencyOrder.MAX_WAYS;
    this.lru = isLru && !packedLru ? (ReplacementPolicies.Lru) policy : null;
    this.fpWords = (ways + 3) / 4;
    this.fp0 = packedLru ? 1 : 0;
    this.header = fp0 + fpWords;
    this.recordBase = sets * header;
    this.fpShift = setMask >= 0 ? Integer.numberOfTrailingZeros(sets) : 0;
    this.data = new long[recordBase + sets * ways * RECORD];
    this.occupied = new long[(sets + 63) >>> 6];
    for (int set = 0; set < sets; set++) {
      if (packedLru) {
        data[set * header] = RecencyOrder.IDENTITY; // as ReplacementPolicies.Lru starts
      }
      for (int w = 0; w < ways; w++) {
        data[record(set, w) + TAG] = INVALID_TAG;
      }
    }
    stats.gauge(
        "hits", Unit.COUNT, "Lookups that found their translation in this cache", () -> hits);
    stats.gauge("misses", Unit.COUNT, "Lookups that missed in this cache", this::misses);
  }

  private int setOf(long key) {
    return setMask >= 0 ? (int) key & setMask : (int) Long.remainderUnsigned(key, sets);
  }

  /** The 16-bit fingerprint of a key, never 0 (which marks an empty way). */
  long fingerprint(long key) {
    // The 16 key bits just above those that chose the set: the keys of a set differ there first
    // (consecutive pages of a set have consecutive fingerprints), and no multiply is needed.
    long f = (key >>> fpShift) & 0xffff;
    return f | ((f - 1) >>> 63);
  }

  /**
   * The lanes of fingerprint word {@code word} that may hold {@code fpLanes} (the fingerprint in
   * every lane): the high bit of each lane equal to it is set, and possibly of a few others (a
   * borrow), never missing one; callers check the candidates' keys and tags (an empty way, its
   * fingerprint 0, can be such another one, and keeps the key it last held).
   */
  private static long candidates(long word, long fpLanes) {
    long x = word ^ fpLanes;
    return (x - LANE_ONES) & ~x & LANE_HIGHS;
  }

  private int record(int set, int way) {
    return recordBase + RECORD * (set * ways + way);
  }

  /** Index of the first fingerprint word of {@code set}. */
  private int fingerprints(int set) {
    return set * header + fp0;
  }

  /** The value cached for (context, key), or -1 on a miss. Global entries match any PCID. */
  public long lookup(int context, long key) {
    // Kept small (the parts below are methods of their own) so that it inlines into the
    // translation's fast path, as the L1 DTLB look-up of every translation.
    int way = sets == 1 ? recentWay(context, key) : -1;
    int set = setOf(key);
    if (way < 0) {
      way = scan(set, context, key);
      if (way < 0) {
        misses++;
        return -1;
      }
    }
    return hit(set, way);
  }

  /**
   * Fully associative (the paging-structure caches): the way of the two hit last that holds
   * (context, key) with exactly that context, or -1. They are tried first, as a nested walk
   * alternates between its tables' region and its data's.
   */
  private int recentWay(int context, long key) {
    long[] d = data;
    int h = lastHit;
    int r = recordBase + RECORD * h;
    if (d[r + KEY] == key && (int) d[r + TAG] == context) {
      return h;
    }
    h = previousHit;
    r = recordBase + RECORD * h;
    if (d[r + KEY] == key && (int) d[r + TAG] == context) {
      previousHit = lastHit;
      lastHit = h;
      return h;
    }
    return -1;
  }

  /** The first way of {@code set} that serves (context, key), or -1. */
  private int scan(int set, int context, long key) {
    int way = match(set, context, key, true);
    if (way >= 0
        && sets == 1
        && way != lastHit) { // only the fully associative fast path reads them
      previousHit = lastHit;
      lastHit = way;
    }
    return way;
  }

  /**
   * The first way of {@code set} holding {@code key} under {@code context}, or under any PCID of it
   * if the entry is global and {@code orGlobal}; -1 if none. The fingerprints pick the candidate
   * ways, checked by full key and tag in way order.
   */
  private int match(int set, int context, long key, boolean orGlobal) {
    long[] d = data;
    int f = fingerprints(set);
    long fpLanes = fingerprint(key) * LANE_ONES;
    for (int w = 0; w < fpWords; w++) {
      long c = candidates(d[f + w], fpLanes);
      while (c != 0) {
        int way = 4 * w + (Long.numberOfTrailingZeros(c) >>> 4);
        c &= c - 1;
        if (way >= ways) {
          break;
        }
        int r = record(set, way);
        if (d[r + KEY] == key) {
          long tag = d[r + TAG];
          // GLOBAL is only ever set on a valid tag.
          if ((int) tag == context
              || (orGlobal && tag >= GLOBAL && Context.samePcidIgnored((int) tag, context))) {
            return way;
          }
        }
      }
    }
    return -1;
  }

  private long hit(int set, int way) {
    touch(set, way);
    hits++;
    int r = record(set, way);
    lastAux = data[r + AUX];
    return data[r + VALUE];
  }

  private void touch(int set, int way) {
    if (packedLru) {
      int i = set * header;
      long o = data[i];
      if (RecencyOrder.way(o, 0) != way) { // a hit on the most recent way changes nothing
        data[i] = RecencyOrder.touch(o, way);
      }
    } else if (lru != null) {
      lru.touch(set, way);
    } else {
      policy.touch(set, way);
    }
  }

  private int victim(int set) {
    if (packedLru) {
      return RecencyOrder.way(data[set * header], ways - 1);
    }
    return lru != null ? lru.victim(set) : policy.victim(set);
  }

  /** The way of (context, key) with exactly that context in {@code set}, or -1. */
  private int find(int set, int context, long key) {
    return match(set, context, key, false);
  }

  /**
   * Whether (context, key) is cached, without counting a look-up or touching the replacement state:
   * for checks, not for the hardware's own look-ups.
   */
  public boolean contains(int context, long key) {
    return find(setOf(key), context, key) >= 0;
  }

  /** Counts a look-up that is known to miss (nothing of its kind is cached), without scanning. */
  public void countMiss() {
    misses++;
  }

  /**
   * Adds to this structure's misses those its owner counts itself: look-ups it knows must miss
   * (nothing of their size was ever cached), counted without even reading this object, which is one
   * more cold host cache line when many vCPUs interleave.
   */
  public void addMissesCountedBy(LongSupplier elsewhere) {
    this.missesElsewhere = elsewhere;
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
    int way = find(set, context, key);
    if (way >= 0) {
      store(set, way, context, key, value, auxValue, isGlobal);
      return;
    }
    insertAbsent(context, key, value, auxValue, isGlobal);
  }

  /**
   * Caches an entry the caller knows is not cached (a look-up of it just missed and nothing was
   * inserted since): fills an empty way (the lowest), else evicts by the replacement policy.
   */
  public void insertAbsent(int context, long key, long value, long auxValue, boolean isGlobal) {
    int set = setOf(key);
    int f = fingerprints(set);
    long[] d = data;
    int way = -1;
    long any = 0;
    for (int w = 0; w < fpWords; w++) {
      long x = d[f + w];
      any |= x;
      long empty = (x - LANE_ONES) & ~x & LANE_HIGHS; // the lowest flagged lane is exact
      if (empty != 0 && way < 0) {
        way = 4 * w + (Long.numberOfTrailingZeros(empty) >>> 4);
      }
    }
    if (way >= 0 && way < ways) { // an empty way (the lanes past the last way are always empty)
      if (any == 0) {
        occupied[set >>> 6] |= 1L << set;
      }
      valid++;
    } else {
      way = victim(set);
    }
    store(set, way, context, key, value, auxValue, isGlobal);
  }

  private void store(
      int set, int way, int context, long key, long value, long auxValue, boolean isGlobal) {
    long[] d = data;
    int fpIndex = fingerprints(set) + (way >>> 2);
    int shift = 16 * (way & 3);
    d[fpIndex] = (d[fpIndex] & ~(0xffffL << shift)) | (fingerprint(key) << shift);
    int r = record(set, way);
    d[r + KEY] = key;
    d[r + TAG] = (context & 0xffff_ffffL) | (isGlobal && context != INVALID ? GLOBAL : 0);
    d[r + VALUE] = value;
    d[r + AUX] = auxValue;
    touch(set, way);
  }

  /** Empties a valid way. */
  private void drop(int set, int way) {
    long[] d = data;
    int f = fingerprints(set);
    d[f + (way >>> 2)] &= ~(0xffffL << (16 * (way & 3)));
    d[record(set, way) + TAG] = INVALID_TAG;
    long any = 0;
    for (int w = 0; w < fpWords; w++) {
      any |= d[f + w];
    }
    if (any == 0) {
      occupied[set >>> 6] &= ~(1L << set);
    }
    valid--;
  }

  private boolean isOccupied(int set) {
    return (occupied[set >>> 6] & (1L << set)) != 0;
  }

  private static boolean selected(long tag, int value, int mask, boolean keepGlobal) {
    return ((int) tag & mask) == (value & mask) && !(keepGlobal && tag >= GLOBAL);
  }

  /**
   * Drops the entries whose context matches {@code value} under {@code mask} and, if {@code
   * onlyKey} is not -1, whose key is {@code onlyKey}; global entries survive if {@code keepGlobal}.
   *
   * @return the number of entries dropped
   */
  public int invalidate(int value, int mask, long onlyKey, boolean keepGlobal) {
    if (valid == 0) {
      return 0; // empty: a flush after a flush, or a page size never cached
    }
    long[] d = data;
    int dropped = 0;
    if (onlyKey != -1) {
      int set = setOf(onlyKey);
      if (!isOccupied(set)) {
        return 0; // nothing cached in its set (INVLPGs of a range often find it so)
      }
      // A set that does not hold the page costs its fingerprints only.
      int f = fingerprints(set);
      long fpLanes = fingerprint(onlyKey) * LANE_ONES;
      for (int w = 0; w < fpWords; w++) {
        long c = candidates(d[f + w], fpLanes);
        while (c != 0) {
          int way = 4 * w + (Long.numberOfTrailingZeros(c) >>> 4);
          c &= c - 1;
          if (way >= ways) {
            break;
          }
          int r = record(set, way);
          long tag = d[r + TAG];
          // An empty way can be a candidate (a borrow in candidates()) and keeps its old key.
          if (d[r + KEY] == onlyKey
              && (int) tag != INVALID
              && selected(tag, value, mask, keepGlobal)) {
            drop(set, way);
            dropped++;
          }
        }
      }
      return dropped;
    }
    for (int i = 0; i < occupied.length; i++) {
      for (long bits = occupied[i]; bits != 0; bits &= bits - 1) {
        int set = (i << 6) + Long.numberOfTrailingZeros(bits);
        for (int way = 0; way < ways; way++) {
          long tag = d[record(set, way) + TAG];
          if ((int) tag != INVALID && selected(tag, value, mask, keepGlobal)) {
            drop(set, way);
            dropped++;
          }
        }
      }
    }
    return dropped;
  }

  /** Drops every entry whose VPID is not 0 (INVVPID all-contexts spares the host's). */
  public int invalidateAllGuestVpids() {
    int dropped = 0;
    for (int i = 0; i < occupied.length; i++) {
      for (long bits = occupied[i]; bits != 0; bits &= bits - 1) {
        int set = (i << 6) + Long.numberOfTrailingZeros(bits);
        for (int way = 0; way < ways; way++) {
          int context = (int) data[record(set, way) + TAG];
          if (context != INVALID && Context.vpid(context) != 0) {
            drop(set, way);
            dropped++;
          }
        }
      }
    }
    return dropped;
  }

  /** Number of valid entries, counted way by way (not from the structure's own counts). */
  public int occupancy() {
    int n = 0;
    for (int set = 0; set < sets; set++) {
      for (int way = 0; way < ways; way++) {
        if ((int) data[record(set, way) + TAG] != INVALID) {
          n++;
        }
      }
    }
    return n;
  }

  /**
   * Checks the layout's invariants (for tests): a way's fingerprint is 0 exactly when its tag is
   * INVALID, and is its key's otherwise; the lanes past the last way are empty; a set's occupied
   * bit is set exactly when it holds an entry; the total counts the valid ways.
   *
   * @return null if they hold, else what is wrong
   */
  String checkInvariants() {
    int total = 0;
    for (int set = 0; set < sets; set++) {
      int f = fingerprints(set);
      int n = 0;
      for (int way = 0; way < 4 * fpWords; way++) {
        long fp = (data[f + (way >>> 2)] >>> (16 * (way & 3))) & 0xffff;
        if (way >= ways) {
          if (fp != 0) {
            return "set " + set + ": lane " + way + " past the last way is not empty";
          }
          continue;
        }
        int r = record(set, way);
        boolean isValid = (int) data[r + TAG] != INVALID;
        if (isValid != (fp != 0) || (isValid && fp != fingerprint(data[r + KEY]))) {
          return "set " + set + " way " + way + ": fingerprint " + fp + ", tag " + data[r + TAG];
        }
        n += isValid ? 1 : 0;
      }
      if (isOccupied(set) != (n > 0)) {
        return "set " + set + ": occupied bit " + isOccupied(set) + ", valid ways " + n;
      }
      total += n;
    }
    return total == valid ? null : "valid " + valid + ", valid ways " + total;
  }

  public long hits() {
    return hits;
  }

  public long misses() {
    return missesElsewhere == null ? misses : misses + missesElsewhere.getAsLong();
  }
}
