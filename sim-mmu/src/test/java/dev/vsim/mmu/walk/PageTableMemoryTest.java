package dev.vsim.mmu.walk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.mmu.experiment.GuestAddressSpace;
import dev.vsim.mmu.pagetable.PageSize;
import org.junit.jupiter.api.Test;

/**
 * Page-table memory, derived by hand. 4 KiB pages: one PTE page per 2 MiB, so 512 PT pages (2 MiB)
 * per GiB, plus 1 PD page per GiB and the PDPT and PML4 pages. 2 MiB pages: one PD page per GiB (4
 * KiB per GiB).
 */
class PageTableMemoryTest {
  private static final long GIB = 1L << 30;

  @Test
  void sixtyFourGibMappedWithFourKibPagesInBothDimensionsFitsTheTestHeap() {
    // The test JVM runs with -Xmx2g: the tables of both dimensions are about 256 MiB.
    GuestAddressSpace s =
        new GuestAddressSpace(
            TranslationMode.NESTED, 64 * GIB, PageSize.SIZE_4K, PageSize.SIZE_4K, 4);
    long guestPages = 64 * 512 + 64 + 1 + 1; // PTs, PDs, one PDPT, one PML4
    assertEquals(guestPages * 4096, s.guestTableBytes());
    // EPT maps the 64 GiB and the guest's 128.5 MiB of tables (another region of guest memory):
    // 64 x 512 + 65 PT pages (the tables' 32,834 pages need 65 more PTs), 64 + 1 PDs, 2 PDPTs
    // (the tables sit at 512 GiB, in the next PML4 slot), 1 PML4.
    long tablePages = guestPages;
    long eptPts = 64 * 512 + (tablePages + 511) / 512;
    long eptPages = eptPts + 64 + 1 + 2 + 1;
    assertEquals(eptPages * 4096, s.eptTableBytes());
    assertEquals(0, s.shadowTableBytes());
  }

  @Test
  void largePagesNeedAboutFourKibPerGib() {
    GuestAddressSpace s =
        new GuestAddressSpace(
            TranslationMode.NATIVE, 16 * GIB, PageSize.SIZE_2M, PageSize.SIZE_2M, 4);
    assertEquals((16 + 1 + 1) * 4096, s.guestTableBytes());
  }

  @Test
  void shadowTablesMapAtTheSmallerPageSize() {
    GuestAddressSpace s =
        new GuestAddressSpace(
            TranslationMode.SHADOW, 2 * GIB, PageSize.SIZE_2M, PageSize.SIZE_4K, 4);
    assertEquals((2 + 1 + 1) * 4096, s.guestTableBytes(), "the guest's own 2 MiB tables");
    assertEquals((2 * 512 + 2 + 1 + 1) * 4096, s.shadowTableBytes(), "shadow at 4 KiB");
  }
}
