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
    final HostMemory host;
    final Memslot ram;
    final Ept ept;
    final Mmu mmu;

    Guest() {
      this(null);
    }

    /** On {@code withEpt} (built over any host memory: this guest's is its own), or a new EPT. */
    Guest(Ept withEpt) {
      host = withEpt == null ? new HostMemory(new StatGroup("mem")) : withEpt.host();
      ram = host.add(new Memslot(0, 0, 8 * MIB, HOST, Backing.HUGETLB_2M));
      ept = withEpt == null ? new Ept(PROFILE.mmu(), host, 4, 1, new StatGroup("ept")) : withEpt;
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

    boolean splitInPlace = true; // the TDP MMU's fault path; false: the legacy MMU's
    int faults;

    /** A guest store to 4 KiB page {@code page}, taking the EPT violation if there is one. */
    void write(long page) {
      access(page, true);
    }

    /** A guest load or store, its fault handled as the fault path would. */
    void access(long page, boolean store) {
      long va = VA + page * 4096;
      if (mmu.translate(va, store) == Mmu.FAULT) {
        faults++;
        long gpa = mmu.lastFaultGpa();
        assertEquals(page * 4096, gpa);
        assertEquals(store, mmu.lastFaultWrite());
        if (!ept.isMapped(gpa)) {
          assertTrue(ept.install(ram, gpa, store));
        } else if (ept.needsSplit(gpa)) {
          ept.hugePageWriteFault(ram, gpa, splitInPlace);
        } else {
          ept.writeProtectFault(ram, gpa);
        }
        assertEquals(HOST + page * 4096, mmu.translate(va, store), "the retried access succeeds");
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

  private static void reportsExactlyThePagesWritten(
      DirtyLogMode mode, boolean eager, boolean splitInPlace) {
    Guest g = new Guest();
    g.splitInPlace = splitInPlace;
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
    reportsExactlyThePagesWritten(DirtyLogMode.DIRTY_BIT, true, true);
  }

  @Test
  void writeProtectLoggingReportsExactlyThePagesWritten() {
    reportsExactlyThePagesWritten(DirtyLogMode.WRITE_PROTECT, true, true);
  }

  @Test
  void withoutEagerSplittingTheFaultsReportTheSamePages() {
    for (boolean inPlace : new boolean[] {true, false}) {
      reportsExactlyThePagesWritten(DirtyLogMode.DIRTY_BIT, false, inPlace);
      reportsExactlyThePagesWritten(DirtyLogMode.WRITE_PROTECT, false, inPlace);
    }
  }

  private static long count(StatGroup stats, String name) {
    return stats.snapshot().get(name).longValue();
  }

  /**
   * Without eager splitting, under the TDP MMU: the first write to a huge page splits it in place
   * into 512 SPTEs that keep its write protection and maps its own page writable; each of the 511
   * other pages then takes one write-protection fault on its first write, and no more.
   */
  @Test
  void theTdpMmuSplitsAWrittenHugePageInPlaceAndItsOther511PagesFaultOnTheirFirstWrite() {
    for (DirtyLogMode mode : DirtyLogMode.values()) {
      StatGroup stats = new StatGroup("");
      Guest h = new Guest(new Ept(PROFILE.mmu(), new HostMemory(new StatGroup("x")), 4, 2, stats));
      h.ept.enableDirtyLogging(h.ram, mode, false);
      assertEquals(2, h.ept.table().leafLevel(600 * 4096L), "write-protected, still huge");
      h.write(600); // in the second 2 MiB page: pages 512 to 1023
      assertEquals(1, h.faults);
      assertEquals(1, count(stats, "huge_pages_split_on_fault"));
      for (long p = 512; p < 1024; p++) {
        assertEquals(1, h.ept.table().leafLevel(p * 4096), "split: 512 4 KiB SPTEs");
        assertEquals(p == 600, EntryFormat.EPT.isWritable(h.ept.table().leafEntry(p * 4096)));
      }
      assertEquals(2, h.ept.table().leafLevel(0), "the first huge page was not written");
      assertEquals(2, h.ept.table().leafLevel(6 * MIB));
      for (long p = 512; p < 1024; p++) {
        h.access(p, false); // reads do not fault: the split kept every mapping
      }
      assertEquals(1, h.faults);
      for (long p = 512; p < 1024; p++) {
        h.write(p);
        h.write(p);
      }
      assertEquals(1 + 511, h.faults, mode.id());
      assertEquals(511, count(stats, "write_protect_faults"));
      assertEquals(0, count(stats, "huge_pages_zapped_on_fault"));
      long[] dirty = h.harvest();
      long[] all = new long[dirty.length];
      for (long p = 512; p < 1024; p++) {
        all[(int) (p >>> 6)] |= 1L << p;
      }
      assertArrayEquals(all, dirty);
    }
  }

  /**
   * Without eager splitting, under the legacy MMU: the first write zaps the huge SPTE and maps only
   * its own 4 KiB page; each of the 511 other pages faults as not present on its first access.
   */
  @Test
  void theLegacyMmuZapsAWrittenHugePageAndItsOther511PagesFaultAsNotPresent() {
    StatGroup stats = new StatGroup("");
    Guest g = new Guest(new Ept(PROFILE.mmu(), new HostMemory(new StatGroup("x")), 4, 2, stats));
    g.splitInPlace = false;
    g.ept.enableDirtyLogging(g.ram, DirtyLogMode.WRITE_PROTECT, false);
    g.write(600);
    assertEquals(1, g.faults);
    assertEquals(1, count(stats, "huge_pages_zapped_on_fault"));
    for (long p = 512; p < 1024; p++) {
      assertEquals(p == 600, g.ept.isMapped(p * 4096), "only the faulting page is mapped");
    }
    assertEquals(1, g.ept.table().leafLevel(600 * 4096L));
    g.access(601, false); // a read faults too, and maps read-only
    assertEquals(2, g.faults);
    for (long p = 512; p < 1024; p++) {
      g.write(p);
    }
    // 601 was mapped read-only by the read: its write takes the write-protection fast path.
    assertEquals(2 + 510 + 1, g.faults);
    assertEquals(1, count(stats, "write_protect_faults"));
    assertEquals(0, count(stats, "huge_pages_split"));
    assertEquals(2, g.ept.table().leafLevel(0));
  }

  /**
   * Eager splitting of the 4 huge pages of 8 MiB, then the 2,048 4 KiB SPTEs protected and one
   * flush: 4 x (1,400 table page + 512 x 20 + 200 link) + 2,048 x 10 + 3,000 cycles.
   */
  @Test
  void eagerSplittingCostsATablePageAnd512SptesPerHugePage() {
    Guest g = new Guest();
    assertEquals(1400 + 512 * 20 + 200, g.ept.splitCycles());
    long cycles = g.ept.enableDirtyLogging(g.ram, DirtyLogMode.DIRTY_BIT, true);
    assertEquals(4 * 11_840 + 2048 * 10 + 3000, cycles);
    assertEquals(4 * 4096, g.ept.tableBytes() - new Guest().ept.tableBytes(), "4 table pages");
  }

  /** A 1 GiB page splits to 512 2 MiB ones, each to 512 4 KiB ones: 513 table pages. */
  @Test
  void eagerSplittingAOneGibPageMakes513TablePages() {
    HostMemory host = new HostMemory(new StatGroup("mem"));
    Memslot ram = host.add(new Memslot(0, 0, 1L << 30, HOST, Backing.HUGETLB_1G));
    Ept ept = new Ept(PROFILE.mmu(), host, 4, 1, new StatGroup("ept"));
    ept.prepopulate(ram);
    long before = ept.tableBytes();
    long cycles = ept.enableDirtyLogging(ram, DirtyLogMode.DIRTY_BIT, true);
    assertEquals(513 * 4096, ept.tableBytes() - before);
    assertEquals(513 * 11_840 + 262_144 * 10 + 3000, cycles);
  }

  /**
   * Under the TDP MMU a write to a write-protected huge page costs the fault's work under the lock
   * and one split (2,900 + 11,840 cycles); under the legacy MMU the work, a remote flush and one
   * empty table page (2,900 + 3,000 + 1,400).
   */
  @Test
  void aWriteToAHugePageCostsASplitOrAZapAndAFlush() {
    Guest g = new Guest();
    g.ept.enableDirtyLogging(g.ram, DirtyLogMode.DIRTY_BIT, false);
    assertEquals(2900 + 11_840, g.ept.hugePageWriteFault(g.ram, 0, true));
    assertEquals(2900 + 3000 + 1400, g.ept.hugePageWriteFault(g.ram, 2 * MIB, false));
  }

  /**
   * Manual protect with KVM_DIRTY_LOG_INITIALLY_SET: enabling touches nothing and every page is
   * dirty; the first clear splits the huge pages (eagerly) and protects the pages it clears.
   */
  @Test
  void initiallySetDefersProtectionAndSplittingToTheFirstClear() {
    Guest g = new Guest();
    assertEquals(0, g.ept.enableDirtyLogging(g.ram, DirtyLogMode.DIRTY_BIT, true, true));
    assertEquals(2, g.ept.table().leafLevel(0), "not split yet");
    long[] cycles = new long[1];
    long[] log = g.ept.copyDirtyLog(cycles);
    assertEquals(32 * 10, cycles[0], "32 words copied");
    for (long w : log) {
      assertEquals(-1L, w, "initially all set");
    }
    // 32 words read, 4 huge pages split, 32 words of 64 pages protected, one flush.
    assertEquals(32 * 10 + 4 * 11_840 + 32 * 65 * 10 + 3000, g.ept.clearDirtyLog(log));
    assertEquals(1, g.ept.table().leafLevel(0));
    g.write(5);
    assertEquals(0, g.faults, "PML: a write to a split page does not fault");
    assertArrayEquals(bits(5), g.ept.copyDirtyLog(cycles));
    assertArrayEquals(bits(5), g.ept.copyDirtyLog(cycles), "a copy does not clear the log");
    g.ept.clearDirtyLog(bits(5));
    assertArrayEquals(bits(), g.ept.copyDirtyLog(cycles));
  }

  /** Initially set without eager splitting: the clear write-protects the huge pages instead. */
  @Test
  void initiallySetWithoutEagerSplittingWriteProtectsTheHugePagesAtTheClear() {
    Guest g = new Guest();
    g.ept.enableDirtyLogging(g.ram, DirtyLogMode.DIRTY_BIT, false, true);
    g.write(5);
    assertEquals(0, g.faults, "nothing is protected before the first clear");
    g.ept.clearDirtyLog(g.ept.copyDirtyLog(new long[1]));
    assertTrue(g.ept.isWriteProtected(0));
    assertEquals(2, g.ept.table().leafLevel(0));
    g.write(5);
    assertEquals(1, g.faults);
    assertEquals(1, g.ept.table().leafLevel(0), "split by the fault");
    assertArrayEquals(bits(5), g.ept.copyDirtyLog(new long[1]));
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
