package dev.vsim.mmu.tlb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vsim.cpu.stats.StatGroup;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The translation cache with its per-set blocks and key fingerprints gives, operation by operation,
 * exactly what the plain layout it replaced ({@link ReferenceTlb}) gives: every look-up's value and
 * auxiliary value, every invalidation's count, the hit and miss counts, and so every replacement
 * choice, for each policy and for set-associative, direct-mapped and fully associative geometries
 * (packed LRU order up to 16 ways, the recency list beyond). Keys collide in their sets on purpose,
 * and entries of several contexts share keys, some global, so that look-ups find more than one
 * candidate way.
 */
class TlbReferenceModelTest {
  private static final int[][] GEOMETRIES = {
    {64, 4}, {1536, 12}, {4, 4}, {8, 8}, {32, 32}, {40, 20}, {16, 1}, {36, 4}, {48, 16}, {128, 128}
  };

  @Test
  void everyOperationMatchesThePlainLayout() {
    for (String policy : new String[] {"lru", "bit-plru", "random"}) {
      for (int[] g : GEOMETRIES) {
        int entries = g[0];
        int ways = g[1];
        if (policy.equals("bit-plru") && ways > 64) {
          continue;
        }
        compare(entries, ways, policy, 200_000 + entries);
      }
    }
  }

  private static void compare(int entries, int ways, String policy, long seed) {
    int sets = entries / ways;
    Tlb t =
        new Tlb(
            entries,
            ways,
            ReplacementPolicies.create(policy, sets, ways, seed),
            new StatGroup("t"));
    ReferenceTlb ref =
        new ReferenceTlb(
            entries,
            ways,
            ReplacementPolicies.create(policy, sets, ways, seed),
            new StatGroup("r"));
    SplittableRandom r = new SplittableRandom(seed);
    // A key range about 3 times the capacity, so that sets overflow and evict.
    int keyRange = Math.max(8, 3 * entries);
    String where = policy + " " + entries + "x" + ways;
    for (int step = 0; step < 30_000; step++) {
      String at = where + ", step " + step;
      int ctx = Context.of(r.nextInt(2), 1 + r.nextInt(2), r.nextInt(3));
      long key = r.nextInt(keyRange);
      if (r.nextInt(8) == 0) {
        key |= Long.MIN_VALUE; // an STLB 2 MiB key
      }
      int op = r.nextInt(1000);
      if (op < 450) {
        long a = t.lookup(ctx, key);
        long b = ref.lookup(ctx, key);
        assertEquals(b, a, at);
        if (a != -1) {
          assertEquals(ref.lastAux(), t.lastAux(), at);
        } else if (r.nextBoolean()) {
          long value = (long) r.nextInt(1 << 20) << 12;
          boolean global = r.nextInt(4) == 0;
          t.insertAbsent(ctx, key, value, value ^ 7, global);
          ref.insertAbsent(ctx, key, value, value ^ 7, global);
        }
      } else if (op < 800) {
        long value = (long) r.nextInt(1 << 20) << 12;
        boolean global = r.nextInt(4) == 0;
        t.insert(ctx, key, value, value + 1, global);
        ref.insert(ctx, key, value, value + 1, global);
      } else if (op < 950) {
        int mask = maskOf(r.nextInt(4));
        boolean keepGlobal = r.nextBoolean();
        assertEquals(
            ref.invalidate(ctx, mask, key, keepGlobal),
            t.invalidate(ctx, mask, key, keepGlobal),
            at);
      } else if (op < 985) {
        assertEquals(ref.contains(ctx, key), t.contains(ctx, key), at);
        t.countMiss();
        ref.countMiss();
      } else if (op < 997) {
        int mask = maskOf(r.nextInt(4));
        boolean keepGlobal = r.nextBoolean();
        assertEquals(
            ref.invalidate(ctx, mask, -1, keepGlobal), t.invalidate(ctx, mask, -1, keepGlobal), at);
      } else {
        assertEquals(ref.invalidateAllGuestVpids(), t.invalidateAllGuestVpids(), at);
      }
      assertEquals(ref.hits(), t.hits(), at);
      assertEquals(ref.misses(), t.misses(), at);
      if (step % 97 == 0) {
        assertNull(t.checkInvariants(), at);
        assertEquals(ref.occupancy(), t.occupancy(), at);
      }
    }
    assertNull(t.checkInvariants(), where);
    // Every (context, key) the plain layout holds, the new one holds, and nothing more.
    assertEquals(ref.occupancy(), t.occupancy(), where);
    for (int slot = 0; slot < 2; slot++) {
      for (int vpid = 1; vpid <= 2; vpid++) {
        for (int pcid = 0; pcid < 3; pcid++) {
          int ctx = Context.of(slot, vpid, pcid);
          for (long k = 0; k < keyRange; k++) {
            assertEquals(ref.contains(ctx, k), t.contains(ctx, k), where + " key " + k);
            long k2 = k | Long.MIN_VALUE;
            assertEquals(ref.contains(ctx, k2), t.contains(ctx, k2), where + " key " + k2);
          }
        }
      }
    }
  }

  private static int maskOf(int i) {
    return switch (i) {
      case 0 -> Context.EPT_MASK | Context.VPID_MASK | Context.PCID_MASK;
      case 1 -> Context.VPID_MASK;
      case 2 -> Context.EPT_MASK;
      default -> 0;
    };
  }

  /** Keys whose fingerprints collide are still told apart by their full keys. */
  @Test
  void fingerprintCollisionsAreResolvedByTheKey() {
    Tlb t = new Tlb(16, 16, ReplacementPolicies.create("lru", 1, 16, 0), new StatGroup("t"));
    // Find two keys with the same fingerprint by brute force over a small range.
    java.util.Map<Long, Long> byFingerprint = new java.util.HashMap<>();
    long a = -1;
    long b = -1;
    for (long k = 0; a < 0; k++) {
      long f = t.fingerprint(k);
      Long other = byFingerprint.putIfAbsent(f, k);
      if (other != null) {
        a = other;
        b = k;
      }
    }
    int ctx = Context.of(0, 1, 0);
    t.insert(ctx, a, 0x1000, false);
    assertEquals(-1, t.lookup(ctx, b), "same fingerprint, another key");
    t.insert(ctx, b, 0x2000, false);
    assertEquals(0x1000, t.lookup(ctx, a));
    assertEquals(0x2000, t.lookup(ctx, b));
    assertEquals(1, t.invalidate(ctx, Context.VPID_MASK, a, false));
    assertEquals(-1, t.lookup(ctx, a));
    assertEquals(0x2000, t.lookup(ctx, b));
    assertNull(t.checkInvariants());
  }
}
