package dev.vsim.mmu.walk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.mmu.pagetable.PageSize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Memory references of a cold walk, derived by hand: a native walk reads one entry per level; a
 * two-dimensional walk translates each of the g guest table pointers and the final guest-physical
 * address through h EPT levels, and reads the g guest entries: g(h+1) + h = (g+1)(h+1) - 1.
 */
class WalkReferencesTest {
  private static final long MIB64 = 64L << 20;

  @ParameterizedTest(name = "{0}-level guest {1} over {2}-level EPT {3}: {4} references")
  @CsvSource({
    "4, SIZE_4K, 4, SIZE_4K, 24",
    "4, SIZE_4K, 4, SIZE_2M, 19",
    "4, SIZE_2M, 4, SIZE_4K, 19",
    "4, SIZE_2M, 4, SIZE_2M, 15",
    "4, SIZE_1G, 4, SIZE_1G, 8",
    "4, SIZE_4K, 4, SIZE_1G, 14",
    "5, SIZE_4K, 5, SIZE_4K, 35",
    "5, SIZE_2M, 5, SIZE_2M, 24",
    "5, SIZE_4K, 4, SIZE_4K, 29"
  })
  void coldNestedWalk(int g, PageSize guest, int h, PageSize host, int expected) {
    long bytes = guest == PageSize.SIZE_1G || host == PageSize.SIZE_1G ? 2L << 30 : MIB64;
    Machines.Nested m = new Machines.Nested(g, h, guest, host, bytes);
    m.mmu.disablePagingStructureCaches();
    long hpa = m.mmu.translate(Machines.GUEST_VA + 0x12345, false);
    assertEquals(Machines.HOST_OFFSET + 0x12345, hpa);
    assertEquals(expected, m.mmu.lastReferences());
    // Derivation: guest levels walked g' = g - (leaf level - 1), EPT levels h' likewise.
    int gw = g - (guest.level() - 1);
    int hw = h - (host.level() - 1);
    int fromFormula = (gw + 1) * (hw + 1) - 1;
    assertEquals(fromFormula, expected);
  }

  @ParameterizedTest(name = "native {0}-level {1}: {2} references")
  @CsvSource({"4, SIZE_4K, 4", "4, SIZE_2M, 3", "4, SIZE_1G, 2", "5, SIZE_4K, 5"})
  void coldNativeWalk(int levels, PageSize size, int expected) {
    Machines.Native m = new Machines.Native(levels, size, size.bytes() * 2, TranslationMode.NATIVE);
    m.mmu.disablePagingStructureCaches();
    m.mmu.translate(Machines.GUEST_VA + 8, false);
    assertEquals(expected, m.mmu.lastReferences());
  }

  @Test
  void aWarmPdeCacheLeavesOneReferenceForANativeWalk() {
    Machines.Native m = new Machines.Native(4, PageSize.SIZE_4K, MIB64, TranslationMode.NATIVE);
    m.mmu.translate(Machines.GUEST_VA, false);
    assertEquals(4, m.mmu.lastReferences(), "cold");
    m.mmu.translate(Machines.GUEST_VA + 4096, false); // same page table, TLB miss
    assertEquals(1, m.mmu.lastReferences(), "PDE cache hit: only the PTE is read");
    m.mmu.translate(Machines.GUEST_VA + 4096, false);
    assertEquals(0, m.mmu.lastReferences(), "TLB hit");
  }

  @Test
  void warmCachesShortenBothDimensionsOfANestedWalk() {
    Machines.Nested m = new Machines.Nested(4, 4, PageSize.SIZE_4K, PageSize.SIZE_4K, MIB64);
    m.mmu.translate(Machines.GUEST_VA, false);
    m.mmu.translate(Machines.GUEST_VA + 4096, false);
    // Guest PDE cache gives the guest page table's host address: read the guest PTE (1); the
    // data's guest-physical address hits the EPT PDE cache: read the EPT PTE (1).
    assertEquals(2, m.mmu.lastReferences());
  }

  @Test
  void largePagesAreCachedAtTheSmallerOfGuestAndHostSize() {
    Machines.Nested m = new Machines.Nested(4, 4, PageSize.SIZE_2M, PageSize.SIZE_4K, MIB64);
    m.mmu.translate(Machines.GUEST_VA, false);
    assertEquals(PageSize.SIZE_4K, m.mmu.lastPageSize());
    m.mmu.translate(Machines.GUEST_VA + 8192, false);
    assertEquals(PageSize.SIZE_4K, m.mmu.lastPageSize());
    // Another 4 KiB page of the 2 MiB guest page misses the TLB. The guest PDPTE cache gives the
    // guest page directory's host address: read the guest PDE, the 2 MiB leaf (1); the data's
    // guest-physical address is in the same EPT page table, a hit in the EPT PDE cache: read the
    // EPT PTE (1).
    assertEquals(2, m.mmu.lastReferences(), "another 4 KiB page of the 2 MiB guest page");
  }
}
