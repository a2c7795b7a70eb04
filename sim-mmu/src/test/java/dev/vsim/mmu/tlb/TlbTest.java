package dev.vsim.mmu.tlb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.cpu.cache.CacheReplacementPolicies.Policy;
import dev.vsim.cpu.stats.StatGroup;
import org.junit.jupiter.api.Test;

class TlbTest {
  private static Tlb tlb(int entries, int ways, String policy) {
    return new Tlb(
        entries,
        ways,
        ReplacementPolicies.create(policy, entries / ways, ways, 1),
        new StatGroup("t"));
  }

  @Test
  void keysMapToSetsAndConflictWithinASet() {
    Tlb t = tlb(8, 2, "lru"); // 4 sets of 2 ways
    int ctx = Context.of(0, 1, 0);
    t.insert(ctx, 0, 100, false);
    t.insert(ctx, 4, 104, false); // same set (0)
    t.insert(ctx, 1, 101, false); // set 1
    t.insert(ctx, 8, 108, false); // set 0 again: evicts the LRU, key 0
    assertEquals(-1, t.lookup(ctx, 0));
    assertEquals(104, t.lookup(ctx, 4));
    assertEquals(108, t.lookup(ctx, 8));
    assertEquals(101, t.lookup(ctx, 1), "another set is untouched");
  }

  /**
   * Random fills and invalidations by key, by context and in full, checked against the set of
   * (context, key) pairs the structure holds: an invalidation drops exactly the matching pairs,
   * including when it finds a set or the whole structure empty and returns early.
   */
  @Test
  void invalidationsDropExactlyTheMatchingEntries() {
    for (int ways : new int[] {1, 4, 16}) {
      Tlb t = tlb(64, ways, "lru");
      java.util.SplittableRandom r = new java.util.SplittableRandom(ways);
      java.util.Set<Long> held = new java.util.HashSet<>();
      for (int step = 0; step < 20_000; step++) {
        int ctx = Context.of(0, 1 + r.nextInt(3), 0);
        long key = r.nextInt(200);
        int op = r.nextInt(100);
        if (op < 70) {
          t.insert(ctx, key, key << 12, false);
          held.add(pair(ctx, key));
          held.removeIf(p -> !t.contains((int) (p >>> 32), p & 0xffff_ffffL)); // evicted
        } else if (op < 95) {
          t.invalidate(ctx, Context.VPID_MASK, key, false);
          held.remove(pair(ctx, key));
        } else if (op < 99) {
          t.invalidate(ctx, Context.VPID_MASK, -1, false);
          held.removeIf(p -> (int) (p >>> 32) == ctx);
        } else {
          t.invalidate(0, 0, -1, false);
          held.clear();
        }
        for (long p : held) {
          assertEquals(true, t.contains((int) (p >>> 32), p & 0xffff_ffffL), "step " + step);
        }
        assertEquals(held.size(), t.occupancy(), "ways " + ways + ", step " + step);
      }
    }
  }

  private static long pair(int ctx, long key) {
    return (long) ctx << 32 | key;
  }

  @Test
  void lruEvictsTheLeastRecentlyUsedWay() {
    Tlb t = tlb(4, 4, "lru");
    int ctx = 0;
    for (int k = 0; k < 4; k++) {
      t.insert(ctx, k, k, false);
    }
    t.lookup(ctx, 0); // 1 is now the oldest
    t.insert(ctx, 9, 9, false);
    assertEquals(-1, t.lookup(ctx, 1));
    assertEquals(0, t.lookup(ctx, 0));
  }

  /** The constant-time recency list evicts exactly what age stamps would. */
  @Test
  void lruListMatchesAgeStamps() {
    lruMatchesAgeStamps(12);
  }

  /** So do the packed order (up to 16 ways) and the list (more) at every associativity. */
  @Test
  void lruMatchesAgeStampsForEveryAssociativity() {
    for (int ways : new int[] {1, 2, 4, 8, 15, 16, 17, 32, 128}) {
      lruMatchesAgeStamps(ways);
    }
  }

  private static void lruMatchesAgeStamps(int ways) {
    int sets = 4;
    Policy lru = ReplacementPolicies.create("lru", sets, ways, 0);
    long[] stamp = new long[sets * ways];
    long clock = 0;
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    for (int set = 0; set < sets; set++) {
      for (int w = 0; w < ways; w++) { // fill every way first, as a TLB does
        lru.touch(set, w);
        stamp[set * ways + w] = ++clock;
      }
    }
    for (int step = 0; step < 20_000; step++) {
      int set = r.nextInt(sets);
      if (r.nextBoolean()) {
        int w = r.nextInt(ways);
        lru.touch(set, w);
        stamp[set * ways + w] = ++clock;
      } else {
        int oldest = 0;
        for (int w = 1; w < ways; w++) {
          if (stamp[set * ways + w] < stamp[set * ways + oldest]) {
            oldest = w;
          }
        }
        assertEquals(oldest, lru.victim(set));
        lru.touch(set, oldest);
        stamp[set * ways + oldest] = ++clock;
      }
    }
  }

  /** The what-if paging-structure caches are fully associative with 128 and 1,024 ways. */
  @Test
  void lruServesFullyAssociativeStructuresOfAnySize() {
    int ways = 1024;
    Tlb t = tlb(ways, ways, "lru");
    int ctx = 0;
    for (int k = 0; k < ways; k++) {
      t.insert(ctx, k, k, false);
    }
    t.lookup(ctx, 0); // 1 is now the oldest
    t.insert(ctx, 5000, 5000, false);
    assertEquals(-1, t.lookup(ctx, 1));
    assertEquals(0, t.lookup(ctx, 0));
    assertEquals(5000, t.lookup(ctx, 5000));
    assertEquals(ways, t.occupancy());
  }

  @Test
  void bitPlruEvictsTheFirstWayNotRecentlyUsed() {
    Tlb t = tlb(4, 4, "bit-plru");
    int ctx = 0;
    for (int k = 0; k < 4; k++) {
      t.insert(ctx, k, k, false); // touching way 3 last resets the other bits: only 3 is MRU
    }
    t.lookup(ctx, 0); // MRU bits: ways 0 and 3
    t.insert(ctx, 9, 9, false); // victim: way 1
    assertEquals(-1, t.lookup(ctx, 1));
    assertEquals(2, t.lookup(ctx, 2));
  }

  /** Direct-mapped under bit-plru, a conflict replaces the set's one way and no other set's. */
  @Test
  void bitPlruOfOneWayEvictsThatWay() {
    Tlb t = tlb(4, 1, "bit-plru"); // 4 sets of 1 way
    int ctx = 0;
    t.insert(ctx, 0, 100, false);
    t.insert(ctx, 1, 101, false);
    t.insert(ctx, 4, 104, false); // set 0 again
    assertEquals(-1, t.lookup(ctx, 0));
    assertEquals(104, t.lookup(ctx, 4));
    assertEquals(101, t.lookup(ctx, 1), "set 1 keeps its entry");
    assertEquals(2, t.occupancy());
  }

  @Test
  void contextsSeparateEntriesAndGlobalOnesIgnoreThePcid() {
    Tlb t = tlb(8, 8, "lru");
    t.insert(Context.of(0, 1, 5), 42, 1, false);
    t.insert(Context.of(0, 1, 6), 43, 2, true);
    assertEquals(-1, t.lookup(Context.of(0, 2, 5), 42), "another VPID");
    assertEquals(-1, t.lookup(Context.of(0, 1, 7), 42), "another PCID");
    assertEquals(2, t.lookup(Context.of(0, 1, 7), 43), "a global entry serves every PCID");
    assertEquals(-1, t.lookup(Context.of(0, 2, 7), 43), "but not another VPID");
    assertEquals(1, t.invalidate(Context.of(0, 1, 0), Context.VPID_MASK, -1, true));
    assertEquals(2, t.lookup(Context.of(0, 1, 6), 43), "globals kept");
  }

  @Test
  void unknownPolicyNamesTheKnownOnes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> ReplacementPolicies.create("fifo", 1, 4, 0));
    assertEquals(
        "unknown tlb replacement policy \"fifo\" (known: lru, bit-plru, random)", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> ReplacementPolicies.create("bit-plrv", 1, 4, 0));
    assertEquals(
        "unknown tlb replacement policy \"bit-plrv\"; did you mean bit-plru? (known: lru,"
            + " bit-plru, random)",
        e.getMessage());
  }

  @Test
  void bitPlruRefusesMoreThan64Ways() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ReplacementPolicies.create("bit-plru", 1, 128, 0));
    assertEquals("bit-plru supports at most 64 ways, not 128", e.getMessage());
  }
}
