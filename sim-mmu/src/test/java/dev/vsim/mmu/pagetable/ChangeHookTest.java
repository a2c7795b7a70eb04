package dev.vsim.mmu.pagetable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The change hook: every change a map, unmap, split or collapse makes is observed exactly once,
 * with its old and new entry, and the table-memory accounting on it equals the pages a walk finds.
 */
class ChangeHookTest {
  private static final long KIB4 = 4096;
  private static final long MIB2 = 2L << 20;
  private static final long GIB = 1L << 30;
  private static final long TARGET = 0x1_0000_0000L;

  private record Change(long address, int level, long oldEntry, long newEntry) {}

  private final List<Change> changes = new ArrayList<>();
  private final PageTable pt = new PageTable(EntryFormat.EPT, 4, new TableMemory(0x10_0000));

  ChangeHookTest() {
    pt.addListener((a, l, o, n) -> changes.add(new Change(a, l, o, n)));
  }

  /** Every entry reachable from the root, by "level:address", by a plain recursive walk. */
  private Map<String, Long> reachable() {
    Map<String, Long> out = new HashMap<>();
    walk(pt.root(), pt.levels(), 0, out);
    return out;
  }

  private void walk(long table, int level, long base, Map<String, Long> out) {
    long[] entries = pt.memory().table(table);
    for (int i = 0; i < 512; i++) {
      long e = entries[i];
      if (!EntryFormat.EPT.isPresent(e)) {
        continue;
      }
      long address = base + ((long) i << (3 + 9 * level));
      out.put(level + ":" + address, e);
      if (level > 1 && (e & EntryFormat.PAGE_SIZE) == 0) {
        walk(EntryFormat.address(e), level - 1, address, out);
      }
    }
  }

  private long tablesReachable() {
    return 1
        + reachable().entrySet().stream().filter(e -> isTable(e.getKey(), e.getValue())).count();
  }

  private static boolean isTable(String key, long entry) {
    return !key.startsWith("1:") && (entry & EntryFormat.PAGE_SIZE) == 0;
  }

  /**
   * Runs {@code op} and checks its changes against the difference of the table before and after.
   */
  private void observedExactlyOnce(Runnable op) {
    Map<String, Long> before = reachable();
    changes.clear();
    op.run();
    Map<String, Long> after = reachable();
    Set<String> keys = new HashSet<>(before.keySet());
    keys.addAll(after.keySet());
    // An entry changed twice by one operation (a 2 MiB leaf made by splitting a 1 GiB page, then
    // split itself) is reported as a chain: each change once, each starting where the last ended.
    Map<String, Change> seen = new HashMap<>();
    for (Change c : changes) {
      String key = c.level() + ":" + c.address();
      assertTrue(c.oldEntry() != c.newEntry(), "a write of the same value is no change: " + key);
      Change last = seen.get(key);
      if (last != null) {
        assertEquals(last.newEntry(), c.oldEntry(), "a change of " + key + " went unreported");
        c = new Change(c.address(), c.level(), last.oldEntry(), c.newEntry());
      }
      seen.put(key, c);
    }
    for (String key : keys) {
      long old = before.getOrDefault(key, 0L);
      long now = after.getOrDefault(key, 0L);
      if (old == now) {
        assertFalse(seen.containsKey(key), "reported but unchanged: " + key);
        continue;
      }
      Change c = seen.get(key);
      assertTrue(c != null, "changed but not reported: " + key);
      assertEquals(old, c.oldEntry(), "old entry of " + key);
      assertEquals(now, c.newEntry(), "new entry of " + key);
    }
    assertEquals(
        keys.stream()
            .filter(k -> !before.getOrDefault(k, 0L).equals(after.getOrDefault(k, 0L)))
            .count(),
        seen.size(),
        "only what changed is reported");
    assertEquals(tablesReachable(), pt.memory().livePageCount(), "live pages = pages walked");
    assertEquals(tablesReachable(), pt.countTablePages());
  }

  @Test
  void everyChangeOfMapUnmapSplitAndCollapseIsObservedOnce() {
    observedExactlyOnce(() -> pt.mapRange(0, TARGET, 2 * GIB, PageSize.SIZE_2M, true));
    observedExactlyOnce(() -> pt.map(4 * GIB, TARGET, PageSize.SIZE_4K, true));
    observedExactlyOnce(() -> pt.mapRange(3 * GIB, TARGET, 3 * MIB2, PageSize.SIZE_4K, false));
    observedExactlyOnce(() -> assertEquals(2, pt.split(5 * MIB2 + 7, true)));
    observedExactlyOnce(() -> assertEquals(6, pt.splitRange(GIB, GIB + 6 * MIB2, 1, false)));
    observedExactlyOnce(() -> assertTrue(pt.unmap(5 * MIB2 + 3 * KIB4)));
    observedExactlyOnce(() -> assertFalse(pt.unmap(8 * GIB)));
    observedExactlyOnce(() -> pt.updateLeaf(4 * GIB, TARGET + KIB4, false));
    observedExactlyOnce(
        () -> pt.updateLeafBits(4 * GIB, 0, EntryFormat.EPT.writableBit())); // no change
    observedExactlyOnce(
        () -> pt.updateLeafBitsRange(GIB, GIB + 4 * MIB2, 0, EntryFormat.EPT.accessedBit()));
    observedExactlyOnce(
        () -> assertTrue(pt.collapse(5 * MIB2, TARGET + 5 * MIB2, PageSize.SIZE_2M, true) >= 0));
    observedExactlyOnce(
        () ->
            assertEquals(
                6, pt.collapseRange(GIB, GIB + 8 * MIB2, TARGET + GIB, PageSize.SIZE_2M, true)));
    // A whole 1 GiB of 2 MiB leaves, one of them split: two levels of tables unlinked at once.
    observedExactlyOnce(() -> assertEquals(2, pt.split(3 * MIB2, true)));
    observedExactlyOnce(() -> pt.collapse(0, TARGET, PageSize.SIZE_1G, true));
    observedExactlyOnce(() -> assertEquals(3, pt.split(0, true)));
    observedExactlyOnce(() -> pt.unmapRange(3 * GIB + KIB4, 3 * GIB + MIB2 + KIB4));
    assertEquals(pt.memory().pageCount() - pt.memory().freedPageCount(), pt.countTablePages());
    assertTrue(pt.memory().freedPageCount() > 0);
  }

  @Test
  void splittingAOneGibPageGoesThroughTwoMibTablesInAddressOrder() {
    pt.map(GIB, TARGET, PageSize.SIZE_1G, true);
    int before = pt.memory().pageCount();
    observedExactlyOnce(() -> assertEquals(1 + 512, pt.splitRange(GIB, 2 * GIB, 1, true)));
    assertEquals(before + 513, pt.memory().pageCount());
    for (long off = 0; off < GIB; off += MIB2 + 5 * KIB4) {
      assertEquals(1, pt.leafLevel(GIB + off));
      assertEquals(TARGET + off, pt.translate(GIB + off));
    }
    // The 2 MiB tables come in address order after the PD.
    long pd =
        EntryFormat.address(
            pt.memory().table(EntryFormat.address(pt.memory().table(pt.root())[0]))[1]);
    long[] pdEntries = pt.memory().table(pd);
    for (int i = 1; i < 512; i++) {
      assertEquals(EntryFormat.address(pdEntries[i - 1]) + 4096, EntryFormat.address(pdEntries[i]));
    }
    observedExactlyOnce(() -> pt.collapse(GIB, TARGET, PageSize.SIZE_1G, true));
    assertEquals(513, pt.memory().freedPageCount());
  }

  @Test
  void theFlushTrackerOwesAFlushOnlyForWhatCouldBeCached() {
    FlushTracker flush = new FlushTracker(EntryFormat.EPT);
    pt.addListener(flush);
    pt.mapRange(0, TARGET, 4 * MIB2, PageSize.SIZE_2M, false);
    assertFalse(flush.isFlushPending(), "filling holes leaves nothing stale");
    pt.updateLeafBits(0, EntryFormat.EPT.writableBit(), 0);
    assertFalse(flush.isFlushPending(), "adding permission leaves nothing stale");
    pt.split(MIB2, true);
    assertTrue(flush.isFlushPending(), "a split huge page may be cached");
    flush.flushed();
    pt.updateLeafBits(MIB2, 0, EntryFormat.EPT.writableBit());
    assertEquals(1, flush.pending());
    flush.flushed();
    pt.removeListener(flush);
    pt.unmap(0);
    assertFalse(flush.isFlushPending(), "removed: told nothing more");
  }

  @Test
  void aFreedTablePageCannotBeFreedAgain() {
    TableMemory m = new TableMemory(0x10_0000);
    long a = m.allocate();
    m.free(a);
    assertTrue(m.isFreed(a));
    assertThrows(IllegalStateException.class, () -> m.free(a));
    assertThrows(IllegalArgumentException.class, () -> m.free(a + 4096));
    assertEquals(0, m.livePageCount());
    assertEquals(4096, m.bytes(), "a freed page keeps its frame");
  }
}
