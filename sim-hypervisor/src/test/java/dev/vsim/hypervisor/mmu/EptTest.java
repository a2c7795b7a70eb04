package dev.vsim.hypervisor.mmu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.profile.TestProfiles;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.hypervisor.memory.Backing;
import dev.vsim.hypervisor.memory.HostMemory;
import dev.vsim.hypervisor.memory.Memslot;
import dev.vsim.mmu.pagetable.EntryFormat;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.pagetable.TableMemory;
import dev.vsim.mmu.walk.Mmu;
import dev.vsim.mmu.walk.TranslationMode;
import org.junit.jupiter.api.Test;

/** Dirty logging on EPT: what it reports, and what disabling it restores. */
class EptTest {
  private static final HardwareProfile PROFILE = TestProfiles.skylakeServer();
  private static final long MIB = 1L << 20;
  private static final long VA = 0x7f00_0000_0000L;
  private static final long TABLES_GPA = 0x80_0000_0000L;
  private static final long HOST = 0x100_0000_0000L;

  /** An 8 MiB guest on 2 MiB host pages, pre-populated, with one vCPU's MMU. */
  private static final class Guest {
    final HostMemory host = new HostMemory(new StatGroup("mem"));
    final Memslot ram = host.add(new Memslot(0, 0, 8 * MIB, HOST, Backing.HUGETLB_2M));
    final Ept ept = new Ept(PROFILE.mmu(), host, 4, 1, new StatGroup("ept"));
    final Mmu mmu;

    Guest() {
      PageTable guest = new PageTable(EntryFormat.X86, 4, new TableMemory(TABLES_GPA));
      guest.mapRange(VA, 0, 8 * MIB, PageSize.SIZE_2M, true); // so huge EPT pages show in the TLB
      Memslot tables =
          host.add(
              new Memslot(
                  1, TABLES_GPA, guest.memory().bytes(), TABLES_GPA + HOST, Backing.ANONYMOUS));
      ept.prepopulate(tables);
      ept.prepopulate(ram);
      mmu =
          new Mmu(
              PROFILE,
              TranslationMode.NESTED,
              guest,
              ept.table(),
              true,
              new MemoryHierarchy(PROFILE.caches(), PROFILE.dram(), new StatGroup("c")),
              1,
              new StatGroup("m"));
      mmu.setContext(1, 1, 0);
      ept.attach(mmu);
    }

    /** A guest store to 4 KiB page {@code page}, taking the write-protect fault if there is one. */
    void write(long page) {
      long va = VA + page * 4096;
      if (mmu.translate(va, true) == Mmu.FAULT) {
        assertEquals(page * 4096, mmu.lastFaultGpa());
        assertTrue(mmu.lastFaultWrite());
        ept.writeProtectFault(ram, mmu.lastFaultGpa());
        assertEquals(HOST + page * 4096, mmu.translate(va, true), "the retried store succeeds");
      }
    }

    long[] harvest() {
      return ept.harvestDirtyLog(new long[1]);
    }
  }

  private static long[] bits(long... pages) {
    long[] b = new long[(int) (8 * MIB / 4096 / 64)];
    for (long p : pages) {
      b[(int) (p >>> 6)] |= 1L << p;
    }
    return b;
  }

  private static void reportsExactlyThePagesWritten(DirtyLogMode mode, boolean eager) {
    Guest g = new Guest();
    for (long p = 0; p < 2048; p += 97) {
      g.write(p); // before logging: nothing of this is reported
    }
    g.ept.enableDirtyLogging(g.ram, mode, eager);
    if (eager) {
      for (long gpa = 0; gpa < 8 * MIB; gpa += 4096) {
        assertEquals(1, g.ept.table().leafLevel(gpa), "eager splitting leaves only 4 KiB SPTEs");
      }
    }
    g.write(3);
    g.write(700);
    g.write(1025);
    g.write(3);
    assertArrayEquals(bits(3, 700, 1025), g.harvest());
    assertArrayEquals(bits(), g.harvest(), "a second harvest finds nothing new");
    g.write(700); // cached writable before the harvest: the harvest's flush makes it re-walk
    g.write(2047);
    assertArrayEquals(bits(700, 2047), g.harvest());
  }

  @Test
  void dirtyBitLoggingReportsExactlyThePagesWritten() {
    reportsExactlyThePagesWritten(DirtyLogMode.DIRTY_BIT, true);
  }

  @Test
  void writeProtectLoggingReportsExactlyThePagesWritten() {
    reportsExactlyThePagesWritten(DirtyLogMode.WRITE_PROTECT, true);
  }

  @Test
  void splittingOnTheNextWriteReportsTheSamePages() {
    reportsExactlyThePagesWritten(DirtyLogMode.DIRTY_BIT, false);
    reportsExactlyThePagesWritten(DirtyLogMode.WRITE_PROTECT, false);
  }

  @Test
  void splittingOnWriteSplitsOnlyTheHugePagesWritten() {
    Guest g = new Guest();
    g.ept.enableDirtyLogging(g.ram, DirtyLogMode.WRITE_PROTECT, false);
    g.write(600); // in the second 2 MiB page
    assertEquals(1, g.ept.table().leafLevel(600 * 4096L));
    assertEquals(2, g.ept.table().leafLevel(0), "the first huge page was not written");
    assertEquals(2, g.ept.table().leafLevel(6 * MIB));
  }

  @Test
  void disablingRestoresHugeWritableMappingsAndTheSameTranslations() {
    Guest g = new Guest();
    g.ept.enableDirtyLogging(g.ram, DirtyLogMode.WRITE_PROTECT, true);
    g.write(5);
    g.ept.disableDirtyLogging(true); // a pre-populated EPT: rebuilt at once
    for (long gpa = 0; gpa < 8 * MIB; gpa += 2 * MIB) {
      assertEquals(2, g.ept.table().leafLevel(gpa));
      assertTrue(EntryFormat.EPT.isWritable(g.ept.table().leafEntry(gpa)));
    }
    for (long p = 0; p < 2048; p += 31) {
      assertEquals(HOST + p * 4096, g.mmu.translate(VA + p * 4096, true));
    }
    assertEquals(PageSize.SIZE_2M, g.mmu.lastPageSize(), "cached as a huge page again");
  }

  @Test
  void disablingOnAFaultDesignZapsTheSplitTablesSoFaultsMapHugeAgain() {
    Guest g = new Guest();
    g.ept.enableDirtyLogging(g.ram, DirtyLogMode.DIRTY_BIT, true);
    g.ept.disableDirtyLogging(false);
    assertFalse(g.ept.isMapped(0));
    assertEquals(Mmu.FAULT, g.mmu.translate(VA, true), "the stale split mapping is not used");
    assertTrue(g.ept.install(g.ram, 0, true));
    assertEquals(2, g.ept.table().leafLevel(0));
  }

  private static void assertTableBytesAreTheTablesWalked(Ept ept) {
    assertEquals(ept.table().countTablePages() * 4096, ept.tableBytes());
  }

  @Test
  void tableBytesAreTheTablesAWalkFindsThroughLoggingAndRestoring() {
    for (boolean rebuild : new boolean[] {true, false}) {
      for (boolean eager : new boolean[] {true, false}) {
        Guest g = new Guest();
        assertTableBytesAreTheTablesWalked(g.ept);
        g.ept.enableDirtyLogging(g.ram, DirtyLogMode.DIRTY_BIT, eager);
        assertFalse(g.ept.isFlushPending(), "enabling ends with a flush");
        g.write(5);
        g.write(1500);
        assertTableBytesAreTheTablesWalked(g.ept);
        g.harvest();
        g.ept.disableDirtyLogging(rebuild);
        assertFalse(g.ept.isFlushPending());
        assertTableBytesAreTheTablesWalked(g.ept);
      }
    }
  }

  @Test
  void zappingAOneGibPageFreesOnlyTheTablesThatWereThere() {
    HostMemory host = new HostMemory(new StatGroup("mem"));
    Memslot ram = host.add(new Memslot(0, 0, 1L << 30, HOST, Backing.HUGETLB_1G));
    Ept ept = new Ept(PROFILE.mmu(), host, 4, 1, new StatGroup("ept"));
    host.faultIn(ram, 0);
    ept.enableDirtyLogging(ram, DirtyLogMode.WRITE_PROTECT, true);
    assertTrue(ept.install(ram, 0, true)); // 4 KiB while logged: a PDPT, a PD, two PTs
    assertTrue(ept.install(ram, 5 * MIB, false));
    assertEquals(5 * 4096, ept.tableBytes());
    long[] dirty = ept.harvestDirtyLog(new long[1]);
    assertEquals(1, dirty[0], "the page written is logged; the one read is not");
    ept.disableDirtyLogging(false);
    assertEquals(2 * 4096, ept.tableBytes(), "the PD and its two PTs are freed, no more");
    assertTableBytesAreTheTablesWalked(ept);
  }
}
