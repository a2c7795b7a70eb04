package dev.vsim.hypervisor.mmu;

import dev.vsim.cpu.profile.MmuCosts;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.hypervisor.memory.HostMemory;
import dev.vsim.hypervisor.memory.Memslot;
import dev.vsim.mmu.pagetable.EntryFormat;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.pagetable.TableCursor;
import dev.vsim.mmu.pagetable.TableMemory;
import dev.vsim.mmu.walk.Mmu;
import java.util.ArrayList;
import java.util.List;

/**
 * One VM's EPT as the hypervisor maintains it: SPTEs installed by faults or by pre-population, at
 * the largest size the host backing allows, and the dirty-logging operations of live migration
 * (split huge pages, harvest dirty bits or write-protect, restore huge pages). Every change that
 * could leave a stale translation cached flushes every vCPU's TLB and paging-structure caches
 * (kvm_flush_remote_tlbs), and returns the cycles it cost from {@link MmuCosts}.
 */
public final class Ept implements SecondLevelTables {
  /** EPT tables live in their own host-physical region. */
  public static final long TABLES_HPA = 0x800_0000_0000L;

  private final MmuCosts costs;
  private final HostMemory host;
  private final PageTable table;
  private final int eptSlot;
  private final List<Mmu> mmus = new ArrayList<>();
  private final TableCursor cursor = new TableCursor();

  private boolean logging;
  private Memslot loggedSlot;
  private DirtyLogMode mode;
  private long[] dirty; // write-protect mode: bit per 4 KiB page of the logged slot
  private long unlinkedTables;

  private final Counter installs;
  private final Counter hugeInstalls;
  private final Counter splits;
  private final Counter collapses;
  private final Counter zaps;
  private final Counter flushes;
  private final Counter writeProtectFaults;

  /**
   * @param eptSlot the EPTP tag of this EPT in the vCPUs' TLBs
   * @param stats the VM's EPT group ({@code vm0.kvm.ept})
   */
  public Ept(MmuCosts costs, HostMemory host, int levels, int eptSlot, StatGroup stats) {
    this.costs = costs;
    this.host = host;
    this.table = new PageTable(EntryFormat.EPT, levels, new TableMemory(TABLES_HPA));
    this.eptSlot = eptSlot;
    installs = stats.counter("sptes_installed");
    hugeInstalls = stats.counter("huge_sptes_installed");
    splits = stats.counter("huge_pages_split");
    collapses = stats.counter("huge_pages_restored");
    zaps = stats.counter("split_tables_zapped");
    flushes = stats.counter("remote_tlb_flushes");
    writeProtectFaults = stats.counter("write_protect_faults");
    stats.gauge("table_bytes", this::tableBytes);
  }

  public PageTable table() {
    return table;
  }

  /** EPT faults are keyed by guest-physical address. */
  @Override
  public long gpaOf(long address) {
    return address;
  }

  @Override
  public HostMemory host() {
    return host;
  }

  /** A vCPU's MMU, flushed whenever this EPT changes in a way its caches could hold stale. */
  public void attach(Mmu mmu) {
    mmus.add(mmu);
  }

  /** Bytes of EPT table pages in use (pages unlinked by restoring huge pages are freed). */
  public long tableBytes() {
    return table.memory().bytes() - unlinkedTables * 4096;
  }

  /** The size KVM maps {@code gpa} at: the host page size, or 4 KiB while its slot is logged. */
  @Override
  public PageSize mapSize(Memslot s, long gpa) {
    if (logging && loggedSlot == s) {
      return PageSize.SIZE_4K;
    }
    PageSize size = PageSize.ofBytes(s.backing().pageBytes());
    return size;
  }

  /** Whether an SPTE maps {@code gpa}. */
  @Override
  public boolean isMapped(long gpa) {
    return table.leafLevel(gpa) != 0;
  }

  /**
   * Installs the SPTE for a fault on {@code gpa} if none maps it yet (the compare-exchange of the
   * TDP MMU, or the check the legacy path makes under the lock).
   *
   * @return whether this call installed it (false: another fault got there first)
   */
  @Override
  public boolean install(Memslot s, long gpa, boolean write) {
    if (isMapped(gpa)) {
      return false;
    }
    PageSize size = mapSize(s, gpa);
    long aligned = gpa & ~size.offsetMask();
    if (!host.isResident(s, aligned)) {
      // Memory accounting: EPT may only point at host pages get_user_pages made resident.
      throw new IllegalStateException(
          "SPTE for 0x" + Long.toHexString(aligned) + " whose host page is not resident");
    }
    // While write-protect logging, a read fault maps the page read-only; a write fault maps it
    // writable and marks it dirty.
    boolean writable = !(logging && loggedSlot == s && mode == DirtyLogMode.WRITE_PROTECT) || write;
    table.map(aligned, s.hpa(aligned), size, writable);
    if (logging && loggedSlot == s && write && mode == DirtyLogMode.WRITE_PROTECT) {
      markDirty(aligned);
    }
    installs.increment();
    if (size != PageSize.SIZE_4K) {
      hugeInstalls.increment();
    }
    return true;
  }

  /**
   * Builds the EPT of a whole memslot, pinning and zeroing its memory (pre-population).
   *
   * @return the cycles one thread spends installing the SPTEs (zeroing is reported by {@link
   *     HostMemory})
   */
  public long prepopulate(Memslot s) {
    host.pinAll(s);
    long page = s.backing().pageBytes();
    long n = 0;
    for (long off = 0; off < s.bytes(); off += page) {
      install(s, s.gpaBase() + off, true);
      n++;
    }
    return n * costs.spteInstallCycles();
  }

  // ---- dirty logging ----------------------------------------------------------------------

  @Override
  public boolean isLogging() {
    return logging;
  }

  /**
   * Starts dirty logging on a slot: huge SPTEs are split now ({@code eagerSplit}) or
   * write-protected so the first write splits them; 4 KiB SPTEs are write-protected or get their
   * dirty bit cleared, by {@code logMode}.
   *
   * @return cycles spent (under the MMU lock in KVM)
   */
  public long enableDirtyLogging(Memslot s, DirtyLogMode logMode, boolean eagerSplit) {
    if (logging) {
      throw new IllegalStateException("dirty logging is already on");
    }
    logging = true;
    loggedSlot = s;
    mode = logMode;
    dirty = new long[(int) ((s.pages4k() + 63) >>> 6)];
    long cycles = 0;
    boolean writableSplit = logMode == DirtyLogMode.DIRTY_BIT;
    long w = EntryFormat.EPT.writableBit();
    long d = EntryFormat.EPT.dirtyBit();
    for (long gpa = s.gpaBase(); gpa < s.gpaBase() + s.bytes(); ) {
      int level = table.leafLevel(gpa);
      long span = level == 0 ? 4096 : 1L << (12 + 9 * (level - 1));
      if (level > 1 && eagerSplit) {
        splitAll(gpa, level, writableSplit);
        cycles += (span >>> 12) * costs.splitCyclesPerSpte();
      } else if (level > 1) {
        table.updateLeafBits(gpa, 0, w);
        cycles += costs.dirtyLogCyclesPerSpte();
      } else if (level == 1) {
        table.updateLeafBits(gpa, 0, logMode == DirtyLogMode.WRITE_PROTECT ? w : d);
        cycles += costs.dirtyLogCyclesPerSpte();
      }
      gpa = (gpa & ~(span - 1)) + span;
    }
    return cycles + flushAll();
  }

  /** Splits a huge leaf down to 4 KiB SPTEs (a 1 GiB page through 2 MiB tables). */
  private void splitAll(long gpa, int level, boolean writable) {
    table.split(gpa, writable);
    splits.increment();
    if (level == 3) {
      for (long off = 0; off < (1L << 30); off += 2L << 20) {
        table.split(gpa + off, writable);
      }
    }
  }

  /**
   * A write hit a present, write-protected SPTE while logging: the lockless fast path makes it
   * writable and marks the page dirty; a write-protected huge SPTE is split first (splitting on the
   * next write).
   *
   * @return cycles spent; the caller holds the MMU lock if a split was needed ({@link #needsSplit})
   */
  @Override
  public long writeProtectFault(Memslot s, long gpa) {
    writeProtectFaults.increment();
    long cycles = costs.raceRetryCycles();
    int level = table.leafLevel(gpa);
    if (level > 1) {
      splitAll(gpa, level, mode == DirtyLogMode.DIRTY_BIT);
      cycles += (1L << (9 * (level - 1))) * costs.splitCyclesPerSpte() + flushAll();
    }
    long aligned = gpa & ~0xfffL;
    table.updateLeafBits(aligned, EntryFormat.EPT.writableBit(), 0);
    if (mode == DirtyLogMode.WRITE_PROTECT) {
      markDirty(aligned);
    }
    return cycles + costs.dirtyLogCyclesPerSpte();
  }

  /** Whether a write fault on this present SPTE must split a huge page (needs the MMU lock). */
  @Override
  public boolean needsSplit(long gpa) {
    return table.leafLevel(gpa) > 1;
  }

  /** Whether {@code gpa} is mapped but not writable: a write fault for the dirty-logging path. */
  @Override
  public boolean isWriteProtected(long gpa) {
    long e = leaf(gpa);
    return e != 0 && !EntryFormat.EPT.isWritable(e);
  }

  private long leaf(long gpa) {
    return table.leafEntry(gpa);
  }

  private void markDirty(long gpa) {
    long page = (gpa - loggedSlot.gpaBase()) >>> 12;
    dirty[(int) (page >>> 6)] |= 1L << page;
  }

  /**
   * KVM_GET_DIRTY_LOG (with the implied clear): the pages written since the last call, one bit per
   * 4 KiB page of the slot; written pages are write-protected again or get their dirty bit cleared,
   * and the TLBs are flushed.
   *
   * @param cycles receives the cycles spent in {@code cycles[0]}
   */
  public long[] harvestDirtyLog(long[] cycles) {
    if (!logging) {
      throw new IllegalStateException("dirty logging is off");
    }
    Memslot s = loggedSlot;
    long[] out = new long[dirty.length];
    long spent = 0;
    long w = EntryFormat.EPT.writableBit();
    long d = EntryFormat.EPT.dirtyBit();
    for (long page = 0; page < s.pages4k(); page++) {
      long gpa = s.gpaBase() + (page << 12);
      spent += costs.dirtyLogCyclesPerSpte();
      boolean wasDirty;
      if (mode == DirtyLogMode.WRITE_PROTECT) {
        wasDirty = (dirty[(int) (page >>> 6)] & (1L << page)) != 0;
        if (wasDirty && table.leafLevel(gpa) == 1) {
          table.updateLeafBits(gpa, 0, w);
        }
      } else {
        long e = table.leafLevel(gpa) == 1 ? table.updateLeafBits(gpa, 0, d) : 0;
        wasDirty = EntryFormat.EPT.isDirty(e);
      }
      if (wasDirty) {
        out[(int) (page >>> 6)] |= 1L << page;
      }
    }
    java.util.Arrays.fill(dirty, 0);
    cycles[0] = spent + flushAll();
    return out;
  }

  /**
   * Stops dirty logging (migration finished or failed): the slot's SPTEs are writable again and its
   * huge pages are restored: rebuilt at once when {@code rebuildHuge} (a pre-populated EPT), or
   * zapped so the next fault maps them huge again (the fault designs).
   *
   * @return cycles spent
   */
  public long disableDirtyLogging(boolean rebuildHuge) {
    if (!logging) {
      throw new IllegalStateException("dirty logging is off");
    }
    Memslot s = loggedSlot;
    logging = false;
    loggedSlot = null;
    long huge = s.backing().pageBytes();
    PageSize size = PageSize.ofBytes(huge);
    long cycles = 0;
    long w = EntryFormat.EPT.writableBit();
    for (long gpa = s.gpaBase(); gpa < s.gpaBase() + s.bytes(); gpa += huge) {
      if (huge > 4096) {
        if (rebuildHuge) {
          if (table.leafLevel(gpa) != size.level()) {
            long unlinked = table.collapse(gpa, s.hpa(gpa), size, true);
            unlinkedTables += unlinked >= 0 ? 1 + (size == PageSize.SIZE_1G ? 512 : 0) : 0;
            collapses.increment();
            cycles += costs.spteInstallCycles();
          }
        } else if (zap(gpa, size.level())) {
          zaps.increment();
          unlinkedTables += size == PageSize.SIZE_1G ? 513 : 1;
          cycles += costs.dirtyLogCyclesPerSpte();
        }
      } else if (table.leafLevel(gpa) == 1) {
        table.updateLeafBits(gpa, w, 0);
        cycles += costs.dirtyLogCyclesPerSpte();
      }
    }
    return cycles + flushAll();
  }

  /** Clears the entry at {@code level} that covers {@code gpa} if it points to a table. */
  private boolean zap(long gpa, int level) {
    TableCursor c = cursor.start(table, gpa);
    while (c.level() > level) {
      if (!c.isPresent() || c.isLeaf()) {
        return false;
      }
      c.down();
    }
    if (c.isPresent() && !c.isLeaf()) {
      c.write(0);
      return true;
    }
    return false;
  }

  /** kvm_flush_remote_tlbs: every vCPU drops what it cached from this EPT. */
  public long flushAll() {
    flushes.increment();
    for (Mmu m : mmus) {
      m.inveptSingleContext(eptSlot);
    }
    return costs.remoteTlbFlushCycles();
  }
}
