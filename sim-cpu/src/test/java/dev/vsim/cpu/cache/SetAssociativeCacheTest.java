package dev.vsim.cpu.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SetAssociativeCacheTest {
  @Test
  void evictsTheLeastRecentlyUsedLineOfItsSet() {
    SetAssociativeCache c = new SetAssociativeCache(4, 2); // lines 0, 4, 8 share set 0
    assertFalse(c.access(0));
    assertFalse(c.access(4));
    assertTrue(c.access(0)); // 4 is now the least recently used
    assertFalse(c.access(8)); // evicts 4
    assertTrue(c.contains(0));
    assertFalse(c.contains(4));
    assertTrue(c.contains(8));
    assertFalse(c.access(1)); // another set: nothing evicted from set 0
    assertTrue(c.access(8));
    assertEquals(2, c.hits());
    assertEquals(4, c.misses());
  }

  @Test
  void aLineSeenAgainAfterItsSetMovedOnIsStillFound() {
    SetAssociativeCache c = new SetAssociativeCache(1, 4);
    for (long l = 0; l < 4; l++) {
      c.access(l);
    }
    c.access(3); // the most recent slot
    assertTrue(c.access(0), "found by the scan, not only by the most-recent check");
    assertFalse(c.access(9)); // evicts 1, the least recent
    assertFalse(c.contains(1));
  }

  /**
   * The packed LRU order (2 to 16 ways) and the last-use times (other associativities) evict
   * exactly what a straightforward age-stamp model does: the first way used longest ago.
   */
  @Test
  void matchesAgeStampsForEveryAssociativity() {
    int[] allWays = {1, 2, 3, 4, 8, 11, 12, 16, 17, 20};
    for (int ways : allWays) {
      int sets = 8;
      SetAssociativeCache c = new SetAssociativeCache(sets, ways);
      long[] tag = new long[sets * ways];
      long[] stamp = new long[sets * ways];
      java.util.Arrays.fill(tag, -1);
      long clock = 0;
      java.util.SplittableRandom r = new java.util.SplittableRandom(ways);
      for (int step = 0; step < 50_000; step++) {
        // Few distinct lines per set, so that hits (at every rank) and misses both happen.
        long line = r.nextInt(sets * (ways + ways / 2 + 2));
        int base = (int) (line % sets) * ways;
        clock++;
        boolean hit = false;
        for (int w = 0; w < ways; w++) {
          if (tag[base + w] == line) {
            stamp[base + w] = clock;
            hit = true;
          }
        }
        if (!hit) {
          int victim = base;
          for (int w = 1; w < ways; w++) {
            if (stamp[base + w] < stamp[victim]) {
              victim = base + w;
            }
          }
          tag[victim] = line;
          stamp[victim] = clock;
        }
        assertEquals(hit, c.access(line), "ways " + ways + ", step " + step);
      }
      for (long line = 0; line < sets * (ways + ways / 2 + 2); line++) {
        boolean expected = false;
        for (long t : tag) {
          expected |= t == line;
        }
        assertEquals(expected, c.contains(line), "ways " + ways);
      }
    }
  }

  @Test
  void bitPlruEvictsTheFirstWayWhoseBitIsClear() {
    SetAssociativeCache c = new SetAssociativeCache(1, 4, "bit-plru", 0);
    for (long l = 0; l < 4; l++) {
      assertFalse(c.access(l)); // empty ways fill lowest first; the fourth fill clears the rest
    }
    assertTrue(c.access(1)); // bits: ways 3 and 1
    assertFalse(c.access(9)); // evicts way 0 (line 0), the first clear bit
    assertFalse(c.contains(0));
    assertTrue(c.contains(1) && c.contains(2) && c.contains(3) && c.contains(9));
  }

  @Test
  void randomReplacementIsSeeded() {
    SetAssociativeCache a = new SetAssociativeCache(4, 4, "random", 7);
    SetAssociativeCache b = new SetAssociativeCache(4, 4, "random", 7);
    java.util.SplittableRandom r = new java.util.SplittableRandom(1);
    for (int i = 0; i < 10_000; i++) {
      long line = r.nextInt(64);
      assertEquals(a.access(line), b.access(line));
    }
    assertEquals(a.hits(), b.hits());
    assertTrue(a.hits() > 0 && a.misses() > 0);
  }

  @Test
  void unknownPolicyGetsADidYouMeanAndWayLimitsAreChecked() {
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new SetAssociativeCache(4, 4, "lruu", 0));
    assertEquals(
        "unknown cache replacement policy \"lruu\"; did you mean lru? (known: lru, bit-plru,"
            + " random)",
        e.getMessage());
    e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new SetAssociativeCache(1, 65, "bit-plru", 0));
    assertEquals("bit-plru supports at most 64 ways, not 65", e.getMessage());
  }
}
