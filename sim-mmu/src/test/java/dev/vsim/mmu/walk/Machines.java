package dev.vsim.mmu.walk;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.profile.TestProfiles;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.mmu.pagetable.EntryFormat;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.pagetable.TableMemory;

/** Small machines for translation tests: a Skylake-like profile and mapped address spaces. */
final class Machines {
  private Machines() {}

  static final HardwareProfile PROFILE = TestProfiles.skylakeServer();
  static final long GUEST_VA = 0x7f00_0000_0000L;
  static final long GUEST_TABLES_GPA = 0x40_0000_0000L; // 256 GiB
  static final long GUEST_TABLES_SPAN = 1L << 30;
  static final long HOST_OFFSET = 0x10_0000_0000L; // data HPA = GPA + 64 GiB
  static final long EPT_TABLES_HPA = 0x800_0000_0000L;
  static final long SHADOW_TABLES_HPA = 0x900_0000_0000L;

  /** A guest address space: guest page table over guest-physical, EPT over host-physical. */
  static final class Nested {
    final PageTable guest;
    final PageTable ept;
    final MemoryHierarchy memory;
    final Mmu mmu;

    Nested(int guestLevels, int eptLevels, PageSize guestSize, PageSize hostSize, long bytes) {
      guest = new PageTable(EntryFormat.X86, guestLevels, new TableMemory(GUEST_TABLES_GPA));
      guest.mapRange(GUEST_VA, 0, bytes, guestSize, true);
      ept = new PageTable(EntryFormat.EPT, eptLevels, new TableMemory(EPT_TABLES_HPA));
      ept.mapRange(0, HOST_OFFSET, Math.max(bytes, hostSize.bytes()), hostSize, true);
      ept.mapRange(
          GUEST_TABLES_GPA, GUEST_TABLES_GPA + HOST_OFFSET, GUEST_TABLES_SPAN, hostSize, true);
      memory = new MemoryHierarchy(PROFILE.caches(), PROFILE.dram(), new StatGroup("mem"));
      mmu =
          new Mmu(PROFILE, TranslationMode.NESTED, guest, ept, true, memory, 1, new StatGroup("m"));
      mmu.setContext(1, 1, 0);
    }
  }

  /** A native address space (or a shadow table, which hardware walks the same way). */
  static final class Native {
    final PageTable table;
    final Mmu mmu;

    Native(int levels, PageSize size, long bytes, TranslationMode mode) {
      table =
          new PageTable(
              EntryFormat.X86,
              levels,
              new TableMemory(mode == TranslationMode.SHADOW ? SHADOW_TABLES_HPA : EPT_TABLES_HPA));
      table.mapRange(GUEST_VA, HOST_OFFSET, bytes, size, true);
      MemoryHierarchy memory =
          new MemoryHierarchy(PROFILE.caches(), PROFILE.dram(), new StatGroup("mem"));
      mmu = new Mmu(PROFILE, mode, table, null, false, memory, 1, new StatGroup("m"));
    }
  }
}
