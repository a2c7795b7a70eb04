package dev.vsim.mmu.pagetable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pre-order range iterator over a small hand-built table. */
class TableIteratorTest {
  private static final long KIB4 = 4096;
  private static final long MIB2 = 2L << 20;
  private static final long GIB = 1L << 30;
  private static final long TARGET = 0x1_0000_0000L;

  /**
   * PML4[0] -> PDPT: PDPT[0] -> PD with a 2 MiB leaf at 0 and a table at 2 MiB holding 4 KiB leaves
   * at 2 MiB, 2 MiB + 4 KiB and 4 MiB - 4 KiB; PDPT[1] -> PD with a 2 MiB leaf at 1 GiB.
   */
  private static PageTable handBuilt() {
    PageTable pt = new PageTable(EntryFormat.EPT, 4, new TableMemory(0x10_0000));
    pt.map(0, TARGET, PageSize.SIZE_2M, true);
    pt.map(MIB2, TARGET + MIB2, PageSize.SIZE_4K, true);
    pt.map(MIB2 + KIB4, TARGET + MIB2 + KIB4, PageSize.SIZE_4K, false);
    pt.map(2 * MIB2 - KIB4, TARGET + 2 * MIB2 - KIB4, PageSize.SIZE_4K, true);
    pt.map(GIB, TARGET + GIB, PageSize.SIZE_2M, true);
    return pt;
  }

  /** "level:address" of each entry visited, in order, checking the path on the way. */
  private static List<String> visits(TableIterator it) {
    List<String> out = new ArrayList<>();
    for (; it.valid(); it.next()) {
      out.add(it.level() + ":" + Long.toHexString(it.address()));
      checkPath(it);
    }
    return out;
  }

  /** The path holds the table at each level, and the entry is the one in memory there. */
  private static void checkPath(TableIterator it) {
    PageTable pt = it.table();
    assertEquals(pt.root(), it.tableAddress(pt.levels()));
    long table = pt.root();
    for (int l = pt.levels(); l > it.level(); l--) {
      assertEquals(table, it.tableAddress(l));
      long e = pt.memory().table(table)[(int) ((it.address() >>> (3 + 9 * l)) & 511)];
      assertTrue(pt.isTable(e, l), "a table on the path at level " + l);
      table = EntryFormat.address(e);
    }
    assertEquals(table, it.tableAddress(it.level()));
    assertEquals(pt.memory().table(table)[it.index()], it.entry());
    assertEquals(table + 8L * it.index(), it.entryAddress());
    assertEquals(0, it.address() & (it.span() - 1), "the address is aligned to the entry's span");
  }

  @Test
  void visitsPresentEntriesParentsFirstInAddressOrder() {
    PageTable pt = handBuilt();
    assertEquals(
        List.of(
            "4:0",
            "3:0",
            "2:0",
            "2:200000",
            "1:200000",
            "1:201000",
            "1:3ff000",
            "3:40000000",
            "2:40000000"),
        visits(new TableIterator().start(pt, 0, pt.addressLimit())));
  }

  @Test
  void exposesTheOldEntryAndLeafness() {
    PageTable pt = handBuilt();
    TableIterator it = new TableIterator().start(pt, MIB2 + KIB4, MIB2 + 2 * KIB4);
    while (it.level() > 1) {
      assertTrue(it.isTable());
      it.next();
    }
    assertTrue(it.isLeaf());
    assertEquals(EntryFormat.EPT.leafEntry(TARGET + MIB2 + KIB4, 1, false), it.entry());
    it.next();
    assertFalse(it.valid());
  }

  @Test
  void nonPresentSlotsOnRequestAndTheMinimumLevel() {
    PageTable pt = handBuilt();
    assertEquals(
        List.of("4:0", "3:0", "2:200000", "1:200000", "1:201000", "1:202000"),
        visits(new TableIterator().start(pt, MIB2, MIB2 + 3 * KIB4, 1, true)));
    // Down to level 2 only: the 4 KiB leaves are not visited, the table at 2 MiB is.
    assertEquals(
        List.of("4:0", "3:0", "2:0", "2:200000", "3:40000000", "2:40000000"),
        visits(new TableIterator().start(pt, 0, pt.addressLimit(), 2, false)));
    // Non-present slots at every level up to the end of the range.
    assertEquals(
        List.of("4:0", "3:0", "2:0", "2:200000", "2:400000", "2:600000"),
        visits(new TableIterator().start(pt, 0, 4 * MIB2, 2, true)));
  }

  @Test
  void rangeBoundsThatCutThroughAHugePageVisitItWhole() {
    PageTable pt = handBuilt();
    // From the middle of the 2 MiB leaf at 0 to the middle of the 4 KiB table's range.
    assertEquals(
        List.of("4:0", "3:0", "2:0", "2:200000", "1:200000", "1:201000"),
        visits(new TableIterator().start(pt, MIB2 / 2, MIB2 + 2 * KIB4)));
    // Inside one huge page: only it and its parents.
    assertEquals(
        List.of("4:0", "3:0", "2:0"), visits(new TableIterator().start(pt, KIB4, 2 * KIB4)));
    // The end cuts through the 2 MiB leaf at 1 GiB.
    assertEquals(
        List.of("4:0", "3:40000000", "2:40000000"),
        visits(new TableIterator().start(pt, GIB, GIB + KIB4)));
    // An empty range, and one beyond what the table maps.
    assertFalse(new TableIterator().start(pt, MIB2, MIB2).valid());
    assertFalse(new TableIterator().start(pt, pt.addressLimit(), Long.MAX_VALUE).valid());
  }

  @Test
  void skippingASubtreeGoesOnAtTheNextEntryNotBelow() {
    PageTable pt = handBuilt();
    List<String> seen = new ArrayList<>();
    for (TableIterator it = new TableIterator().start(pt, 0, pt.addressLimit()); it.valid(); ) {
      seen.add(it.level() + ":" + Long.toHexString(it.address()));
      if (it.level() == 2 && it.isTable()) {
        it.skip(); // the 4 KiB leaves at 2 MiB
      } else if (it.level() == 3 && it.address() == GIB) {
        it.skip(); // the second PD: the iteration ends
      } else {
        it.next();
      }
    }
    assertEquals(List.of("4:0", "3:0", "2:0", "2:200000", "3:40000000"), seen);
  }

  @Test
  void stepsDownIntoATableJustLinked() {
    PageTable pt = new PageTable(EntryFormat.X86, 4, new TableMemory(0x10_0000));
    List<String> seen = new ArrayList<>();
    for (TableIterator it = new TableIterator().start(pt, MIB2 - KIB4, MIB2 + KIB4, 1, true);
        it.valid();
        it.next()) {
      seen.add(it.level() + ":" + Long.toHexString(it.address()));
      assertFalse(it.isPresent());
      if (it.level() > 1) {
        pt.linkNewTable(it);
        assertTrue(it.isTable(), "the iterator holds the new entry");
      } else {
        pt.set(it, EntryFormat.X86.leafEntry(TARGET + it.address(), 1, true));
      }
    }
    // Two PTs: the range crosses a 2 MiB boundary, so a second PD entry and its table.
    assertEquals(List.of("4:0", "3:0", "2:0", "1:1ff000", "2:200000", "1:200000"), seen);
    assertEquals(5, pt.memory().pageCount());
    assertEquals(TARGET + MIB2 - KIB4 + 5, pt.translate(MIB2 - KIB4 + 5));
    assertEquals(TARGET + MIB2 + 7, pt.translate(MIB2 + 7));
    assertEquals(-1, pt.translate(MIB2 + KIB4));
  }

  @Test
  void oneIteratorIsReusedAcrossTablesAndWalks() {
    PageTable a = handBuilt();
    PageTable b = new PageTable(EntryFormat.X86, 5, new TableMemory(0x10_0000));
    b.map(1L << 48, TARGET, PageSize.SIZE_4K, true); // PML5[1]
    TableIterator it = new TableIterator();
    assertSame(it, it.start(a, 0, GIB));
    assertEquals(7, visits(it).size());
    assertEquals(
        List.of(
            "5:1000000000000",
            "4:1000000000000",
            "3:1000000000000",
            "2:1000000000000",
            "1:1000000000000"),
        visits(it.start(b, 0, b.addressLimit())));
    assertEquals(7, visits(it.start(a, 0, GIB)).size());
  }

  /** Every table page of a mapping made in one pass equals that of mapping page by page. */
  @Test
  void mapRangeLaysOutTheTablesAsMappingPageByPage() {
    long from = GIB - 3 * MIB2; // crosses a 1 GiB boundary
    long length = 5 * MIB2 + 3 * KIB4;
    for (PageSize size : new PageSize[] {PageSize.SIZE_4K, PageSize.SIZE_2M}) {
      PageTable ranged = new PageTable(EntryFormat.EPT, 4, new TableMemory(0x10_0000));
      PageTable paged = new PageTable(EntryFormat.EPT, 4, new TableMemory(0x10_0000));
      ranged.mapRange(from, TARGET, length, size, true);
      for (long off = 0; off < length; off += size.bytes()) {
        paged.map(from + off, TARGET + off, size, true);
      }
      assertEquals(paged.memory().pageCount(), ranged.memory().pageCount());
      for (int p = 0; p < paged.memory().pageCount(); p++) {
        long at = 0x10_0000 + p * 4096L;
        assertArrayEquals(paged.memory().table(at), ranged.memory().table(at), "page " + p);
      }
    }
  }
}
