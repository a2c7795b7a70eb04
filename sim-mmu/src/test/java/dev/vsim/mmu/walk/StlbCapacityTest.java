package dev.vsim.mmu.walk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.mmu.pagetable.PageSize;
import org.junit.jupiter.api.Test;

/** The STLB holds as many pages as it has entries when they spread over its sets. */
class StlbCapacityTest {
  private static final long PAGE = 4096;

  private static long walksOfSecondPass(int pages) {
    Machines.Native m =
        new Machines.Native(4, PageSize.SIZE_4K, pages * PAGE, TranslationMode.NATIVE);
    for (int pass = 0; pass < 2; pass++) {
      for (int p = 0; p < pages; p++) {
        m.mmu.translate(Machines.GUEST_VA + p * PAGE, false);
      }
    }
    return m.mmu.walks() - pages; // the first pass walks once a page
  }

  @Test
  void consecutivePagesAsManyAsEntriesAllHitOnTheSecondPass() {
    // 1,536 entries, 12 ways: 128 sets; 1,536 consecutive pages put 12 in each set, which holds
    // them all (the L1 DTLB's 64 entries only add room).
    assertEquals(0, walksOfSecondPass(1536));
  }

  @Test
  void oneSetOverfullMissesOnEveryPageOfIt() {
    // 1,536 + 128 pages: 13 in each set, one more than its ways. Under LRU a cyclic pass over 13
    // pages in 12 ways misses on every one of them, and the 64-entry L1 DTLB only ever holds the
    // 64 pages before the one translated: every page walks again.
    assertEquals(1536 + 128, walksOfSecondPass(1536 + 128));
  }
}
