package dev.vsim.hypervisor.mmu;

import dev.vsim.cpu.profile.MmuCosts;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.hypervisor.memory.HostMemory;
import dev.vsim.hypervisor.memory.Memslot;
import dev.vsim.mmu.pagetable.EntryFormat;
import dev.vsim.mmu.pagetable.EntryListener;
import dev.vsim.mmu.pagetable.FlushTracker;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.pagetable.TableIterator;
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
 *
 * <p>Pre-population and the dirty-logging operations are range operations: one pass of a {@link
 * TableIterator} over the memslot, as KVM's TDP MMU does them, not a descent from the root for each
 * page. The bookkeeping hangs off the table's change hook: the dirty log of the logged slot (a 4
 * KiB SPTE made writable in write-protect mode, a dirty bit cleared in dirty-bit mode marks its
 * page), the table memory freed when tables are unlinked, and whether a flush is owed.
 */
public final class Ept implements SecondLevelTables {
  /** EPT tables live in their own host-physical region. */
  public static final long TABLES_HPA = 0x800_0000_0000L;

  private final MmuCosts costs;
  private final HostMemory host;
  private final PageTable table;
  private final int eptSlot;
  private final List<Mmu> mmus = new ArrayList<>();
  private final TableIterator iterator = new TableIterator();
  private final FlushTracker flushTracker = new FlushTracker(EntryFormat.EPT);

  private boolean logging;
  private Memslot loggedSlot;
  private DirtyLogMode mode;
  // Bit per 4 KiB page of the logged slot, set by the change hook; null until logging is armed.
  private long[] dirty;

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
    installs =
        stats.counter("sptes_installed", Unit.COUNT, "SPTEs installed (faults and pre-population)");
    hugeInstalls =
        stats.counter(
            "huge_sptes_installed", Unit.COUNT, "SPTEs installed that map a 2 MiB or 1 GiB page");
    splits =
        stats.counter(
            "huge_pages_split", Unit.COUNT, "huge SPTEs replaced by a table of smaller ones");
    collapses =
        stats.counter(
            "huge_pages_restored",
            Unit.COUNT,
            "huge SPTEs mapped again when dirty logging stopped");
    zaps =
        stats.counter(
            "split_tables_zapped",
            Unit.COUNT,
            "split tables zapped for the next faults to rebuild");
    flushes =
        stats.counter(
            "remote_tlb_flushes", Unit.COUNT, "flushes of every vCPU's TLB after an EPT change");
    writeProtectFaults =
        stats.counter(
            "write_protect_faults",
            Unit.COUNT,
            "writes to write-protected SPTEs fixed by dirty logging's fast path");
    stats.gauge("table_bytes", Unit.BYTES, "EPT table pages in use", this::tableBytes);
    table.addListener(flushTracker);
    table.addListener(new DirtyLog());
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
    return table.memory().liveBytes();
  }

  /** Whether a change since the last flush could have left a stale translation cached. */
  public boolean isFlushPending() {
    return flushTracker.isFlushPending();
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

  @Override
  public boolean hasTableFor(Memslot s, long gpa) {
    int level = mapSize(s, gpa).level();
    return table.walkStopLevel(gpa, level) == level || isMapped(gpa);
  }

  @Override
  public long tablePages() {
    return table.memory().pageCount();
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
    table.map(aligned, s.hpa(aligned), size, writable); // the hook logs a writable SPTE as dirty
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
    long n = s.bytes() / page;
    if (logging && loggedSlot == s) {
      // Mapped at 4 KiB while logged: one install at the start of each backing page, as ever.
      for (long off = 0; off < s.bytes(); off += page) {
        install(s, s.gpaBase() + off, true);
      }
      return n * costs.spteInstallCycles();
    }
    PageSize size = PageSize.ofBytes(page);
    int level = size.level();
    long end = s.gpaBase() + s.bytes();
    for (TableIterator it = iterator.start(table, s.gpaBase(), end, level, true);
        it.valid();
        it.next()) {
      if (it.level() > level) {
        if (!it.isPresent()) {
          table.linkNewTable(it); // and step down into it
        } // a larger leaf maps this part already: nothing to install below it
      } else if (!it.isPresent()) {
        long gpa = it.address();
        if (!host.isResident(s, gpa)) {
          throw new IllegalStateException(
              "SPTE for 0x" + Long.toHexString(gpa) + " whose host page is not resident");
        }
        table.set(it, EntryFormat.EPT.leafEntry(s.hpa(gpa), level, true));
        installs.increment();
        if (size != PageSize.SIZE_4K) {
          hugeInstalls.increment();
        }
      } else if (it.isTable()) {
        install(s, it.address(), true); // smaller SPTEs are there: as a fault would find them
      }
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
    dirty = null; // what was written before logging started is not logged
    long cycles = 0;
    boolean writableSplit = logMode == DirtyLogMode.DIRTY_BIT;
    long w = EntryFormat.EPT.writableBit();
    long small = logMode == DirtyLogMode.WRITE_PROTECT ? w : EntryFormat.EPT.dirtyBit();
    TableIterator it = iterator.start(table, s.gpaBase(), s.gpaBase() + s.bytes());
    while (it.valid()) {
      if (!it.isLeaf()) {
        it.next();
      } else if (it.level() > 1 && eagerSplit) {
        splitAll(it.address(), it.span(), writableSplit);
        cycles += (it.span() >>> 12) * costs.splitCyclesPerSpte();
        it.skip(); // past the 4 KiB SPTEs just made
      } else {
        table.set(it, it.entry() & ~(it.level() > 1 ? w : small));
        cycles += costs.dirtyLogCyclesPerSpte();
        it.next();
      }
    }
    dirty = new long[(int) ((s.pages4k() + 63) >>> 6)];
    return cycles + flushAll();
  }

  /** Splits the huge leaf at [base, base + span) down to 4 KiB SPTEs (1 GiB through 2 MiB). */
  private void splitAll(long base, long span, boolean writable) {
    table.splitRange(base, base + span, 1, writable);
    splits.increment();
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
      long span = 1L << (12 + 9 * (level - 1));
      splitAll(gpa & ~(span - 1), span, mode == DirtyLogMode.DIRTY_BIT);
      cycles += (1L << (9 * (level - 1))) * costs.splitCyclesPerSpte();
    }
    if (flushTracker.isFlushPending()) { // the huge SPTE is gone
      cycles += flushAll();
    }
    long aligned = gpa & ~0xfffL;
    // Made writable: in write-protect mode the hook marks the page dirty.
    table.updateLeafBits(aligned, EntryFormat.EPT.writableBit(), 0);
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

  /**
   * The dirty log on the change hook, as KVM's handle_changed_spte_dirty_log: while the slot is
   * logged, a 4 KiB SPTE that becomes writable (write-protect mode) or whose dirty bit is cleared
   * (dirty-bit mode: harvested, or lost with the SPTE) marks its page.
   */
  private final class DirtyLog implements EntryListener {
    private boolean logs(long gpa, int level) {
      return level == 1 && dirty != null && logging && loggedSlot.contains(gpa);
    }

    @Override
    public void entryChanged(long gpa, int level, long oldEntry, long newEntry) {
      if (logs(gpa, level) && written(oldEntry, newEntry)) {
        markDirty(gpa);
      }
    }

    private boolean written(long oldEntry, long newEntry) {
      EntryFormat f = EntryFormat.EPT;
      if (mode == DirtyLogMode.WRITE_PROTECT) {
        return f.isWritable(newEntry)
            && (!f.isPresent(oldEntry)
                || !f.isWritable(oldEntry)
                || EntryFormat.address(oldEntry) != EntryFormat.address(newEntry));
      }
      return f.isPresent(oldEntry) && f.isDirty(oldEntry) && !f.isDirty(newEntry);
    }

    // A table's worth at once: nothing to do unless it holds 4 KiB SPTEs of the logged slot.
    @Override
    public void tableFilled(long gpa, int level, long[] entries) {
      if (logs(gpa, level)) {
        EntryListener.super.tableFilled(gpa, level, entries);
      }
    }

    @Override
    public void tableUnlinked(long gpa, int level, long[] entries) {
      if (logs(gpa, level)) {
        EntryListener.super.tableUnlinked(gpa, level, entries);
      }
    }
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
    long spent = s.pages4k() * costs.dirtyLogCyclesPerSpte(); // KVM walks the slot's bitmap
    long base = s.gpaBase();
    boolean writeProtect = mode == DirtyLogMode.WRITE_PROTECT;
    long clear = writeProtect ? EntryFormat.EPT.writableBit() : EntryFormat.EPT.dirtyBit();
    if (writeProtect) {
      // Write-protect again what was written since the last harvest: a range of the table for
      // each word of the bitmap with a bit set (kvm_arch_mmu_enable_log_dirty_pt_masked).
      for (int word = 0; word < dirty.length; word++) {
        long mask = dirty[word];
        if (mask == 0) {
          continue;
        }
        long first = base + (((long) word << 6) + Long.numberOfTrailingZeros(mask)) * 4096;
        long end = base + (((long) word << 6) + 64 - Long.numberOfLeadingZeros(mask)) * 4096;
        for (TableIterator it = iterator.start(table, first, end); it.valid(); it.next()) {
          if (it.level() == 1 && (mask & (1L << ((it.address() - base) >>> 12))) != 0) {
            table.set(it, it.entry() & ~clear);
          }
        }
      }
    } else {
      for (TableIterator it = iterator.start(table, base, base + s.bytes());
          it.valid();
          it.next()) {
        if (it.level() == 1 && (it.entry() & clear) != 0) {
          table.set(it, it.entry() & ~clear); // the hook logs the page
        }
      }
    }
    long[] out = dirty.clone();
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
    PageSize size = PageSize.ofBytes(s.backing().pageBytes());
    long from = s.gpaBase();
    long to = from + s.bytes();
    long cycles = 0;
    if (size == PageSize.SIZE_4K) {
      long w = EntryFormat.EPT.writableBit();
      for (TableIterator it = iterator.start(table, from, to); it.valid(); it.next()) {
        if (it.level() == 1) {
          table.set(it, it.entry() | w);
          cycles += costs.dirtyLogCyclesPerSpte();
        }
      }
    } else if (rebuildHuge) {
      // Huge leaves over every table of split SPTEs (the tables are freed through the hook).
      long n = table.collapseRange(from, to, s.hpa(from), size, true);
      collapses.add(n);
      cycles += n * costs.spteInstallCycles();
    } else {
      // Zap the tables of split SPTEs: the next fault maps the huge page again.
      int level = size.level();
      for (TableIterator it = iterator.start(table, from, to, level, false);
          it.valid();
          it.next()) {
        if (it.level() == level && it.isTable()) {
          table.set(it, 0);
          zaps.increment();
          cycles += costs.dirtyLogCyclesPerSpte();
        }
      }
    }
    return cycles + flushAll();
  }

  /** kvm_flush_remote_tlbs: every vCPU drops what it cached from this EPT. */
  public long flushAll() {
    flushes.increment();
    flushTracker.flushed();
    for (Mmu m : mmus) {
      m.inveptSingleContext(eptSlot);
    }
    return costs.remoteTlbFlushCycles();
  }
}
