package dev.vsim.mmu.pagetable;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The point look-ups remember each 2 MiB region's level-1 table: whatever changes the table's shape
 * (maps that link tables, splits, collapses, unmaps, range operations), {@link
 * PageTable#leafEntry}, {@link PageTable#leafLevel} and {@link PageTable#translate} answer what a
 * plain descent from the root reads, and {@link PageTable#map} writes where that descent would.
 */
class PointLookupMemoTest {
  private static final long MIB2 = 2L << 20;
  private static final long GIB = 1L << 30;
  private static final long SPAN = 16L << 20;
  private static final long TARGET = 0x40_0000_0000L;

  private final PageTable pt = new PageTable(EntryFormat.EPT, 4, new TableMemory(0x10_0000));

  /** The leaf entry for {@code address} by a descent that shares nothing with the table's own. */
  private long descend(long address) {
    long table = pt.root();
    for (int level = pt.levels(); level >= 1; level--) {
      long e = pt.memory().table(table)[(int) ((address >>> (12 + 9 * (level - 1))) & 511)];
      if (!EntryFormat.EPT.isPresent(e)) {
        return 0;
      }
      if (level == 1 || (e & EntryFormat.PAGE_SIZE) != 0) {
        return e;
      }
      table = EntryFormat.address(e);
    }
    throw new AssertionError("unreachable");
  }

  private int levelOf(long address) {
    long table = pt.root();
    for (int level = pt.levels(); level >= 1; level--) {
      long e = pt.memory().table(table)[(int) ((address >>> (12 + 9 * (level - 1))) & 511)];
      if (!EntryFormat.EPT.isPresent(e)) {
        return 0;
      }
      if (level == 1 || (e & EntryFormat.PAGE_SIZE) != 0) {
        return level;
      }
      table = EntryFormat.address(e);
    }
    throw new AssertionError("unreachable");
  }

  private void check(long address) {
    long expected = descend(address);
    assertEquals(expected, pt.leafEntry(address), "leafEntry 0x" + Long.toHexString(address));
    assertEquals(levelOf(address), pt.leafLevel(address), "leafLevel");
    long offset = address & ((1L << (12 + 9 * (Math.max(1, levelOf(address)) - 1))) - 1);
    long translated =
        expected == 0
            ? -1
            : (EntryFormat.address(expected) & ~((1L << (12 + 9 * (levelOf(address) - 1))) - 1))
                | offset;
    assertEquals(translated, pt.translate(address), "translate");
  }

  @Test
  void lookUpsFollowEveryChangeOfShape() {
    SplittableRandom r = new SplittableRandom(13);
    // 16 MiB in each of four 1 GiB regions: few 2 MiB regions, so each is looked up, remembered
    // and then changed many times over.
    for (int step = 0; step < 20_000; step++) {
      long region = r.nextInt(4) * GIB;
      long page = region + (r.nextLong(SPAN) & ~0xfffL);
      long huge = page & ~(MIB2 - 1);
      try {
        switch (r.nextInt(11)) {
          case 0, 1, 2, 3 -> {
            if (pt.leafEntry(page) == 0) {
              pt.map(page, TARGET + page, PageSize.SIZE_4K, r.nextBoolean());
            }
          }
          case 4 -> pt.unmap(page);
          case 5 -> pt.split(page, true);
          case 6 -> pt.collapse(huge, TARGET + huge, PageSize.SIZE_2M, true);
          case 7 -> pt.unmapRange(huge, huge + MIB2);
          case 8 -> pt.updateLeafBits(page, 0, EntryFormat.EPT.writableBit());
          case 9 -> {
            if (pt.leafEntry(huge) == 0) {
              pt.map(huge, TARGET + huge, PageSize.SIZE_2M, true);
            }
          }
          default -> pt.splitRange(region, region + SPAN, 1, true);
        }
      } catch (IllegalStateException e) {
        // A mapping of another size in the way, or nothing to change: the table is as it was.
      }
      check(page);
      check(huge);
      check(region + (r.nextLong(SPAN) & ~0xfffL));
    }
  }
}
