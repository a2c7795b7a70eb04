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
  private boolean eagerSplit;
  private boolean initiallySet;
  private boolean protecting; // protecting pages again: a dirty bit cleared is not a new write
  // Bit per 4 KiB page of the logged slot, set by the change hook; null until logging is armed.
  private long[] dirty;

  private final Counter installs;
  private final Counter hugeInstalls;
  private final Counter splits;
  private final Counter eagerSplits;
  private final Counter faultSplits;
  private final Counter faultZaps;
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
    eagerSplits =
        stats.counter(
            "huge_pages_split_eagerly",
            Unit.COUNT,
            "huge SPTEs split by eager page splitting (enabling dirty logging, or a clear)");
    faultSplits =
        stats.counter(
            "huge_pages_split_on_fault",
            Unit.COUNT,
            "huge SPTEs split in place by a write fault under dirty logging (TDP MMU)");
    faultZaps =
        stats.counter(
            "huge_pages_zapped_on_fault",
            Unit.COUNT,
            "huge SPTEs zapped by a write fault under dirty logging, only the faulting 4 KiB page"
                + " mapped (legacy MMU)");
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

  /** {@link #enableDirtyLogging(Memslot, DirtyLogMode, boolean, boolean)}, not initially set. */
  public long enableDirtyLogging(Memslot s, DirtyLogMode logMode, boolean eagerSplit) {
    return enableDirtyLogging(s, logMode, eagerSplit, false);
  }

  /**
   * Sets KVM_MEM_LOG_DIRTY_PAGES on a slot, as kvm_mmu_slot_apply_flags does. With manual protect
   * and KVM_DIRTY_LOG_INITIALLY_SET ({@code initiallySet}) every page starts dirty and nothing is
   * touched: protection (and eager splitting) waits for the first {@link #clearDirtyLog}. Otherwise
   * huge SPTEs are split now if {@code eagerSplit} (kvm.eager_page_split: each into 512 SPTEs that
   * keep its mapping and permissions, in a new table page), then write access is removed: from
   * every leaf in write-protect mode, from the huge leaves only under PML ({@link
   * DirtyLogMode#DIRTY_BIT}), whose 4 KiB leaves get their dirty bit cleared instead; one remote
   * TLB flush at the end.
   *
   * @return cycles spent (under the MMU lock in KVM)
   */
  public long enableDirtyLogging(
      Memslot s, DirtyLogMode logMode, boolean eagerSplit, boolean initiallySet) {
    if (logging) {
      throw new IllegalStateException("dirty logging is already on");
    }
    logging = true;
    loggedSlot = s;
    mode = logMode;
    this.eagerSplit = eagerSplit;
    this.initiallySet = initiallySet;
    dirty = null; // what was written before logging started is not logged
    long words = (s.pages4k() + 63) >>> 6;
    if (initiallySet) {
      dirty = new long[(int) words];
      java.util.Arrays.fill(dirty, -1L);
      if ((s.pages4k() & 63) != 0) {
        dirty[dirty.length - 1] = (1L << (s.pages4k() & 63)) - 1;
      }
      return 0;
    }
    long end = s.gpaBase() + s.bytes();
    long cycles = eagerSplit ? splitHugePages(s.gpaBase(), end) : 0;
    long w = EntryFormat.EPT.writableBit();
    long small = logMode == DirtyLogMode.WRITE_PROTECT ? w : EntryFormat.EPT.dirtyBit();
    for (TableIterator it = iterator.start(table, s.gpaBase(), end); it.valid(); it.next()) {
      if (it.isLeaf()) {
        table.set(it, it.entry() & ~(it.level() > 1 ? w : small));
        cycles += costs.dirtyLogCyclesPerSpte();
      }
    }
    dirty = new long[(int) words];
    return cycles + flushAll();
  }

  /** Cycles of splitting one huge SPTE: a new table page, 512 SPTEs written, the link. */
  public long splitCycles() {
    return costs.tablePageAllocCycles()
        + (long) TableMemory.ENTRIES * costs.splitCyclesPerSpte()
        + costs.spteInstallCycles();
  }

  /**
   * Eager page splitting (kvm_tdp_mmu_try_split_huge_pages to 4 KiB): every huge leaf mapping part
   * of [from, to) becomes a table of 512 smaller leaves with its permissions (a 1 GiB page goes
   * through 2 MiB leaves, each split in turn). No flush: the translations are the same.
   *
   * @return cycles spent
   */
  private long splitHugePages(long from, long to) {
    long cycles = 0;
    for (TableIterator it = iterator.start(table, from, to, 2, false); it.valid(); it.next()) {
      if (it.isLeaf()) {
        table.split(it, EntryFormat.EPT.isWritable(it.entry()));
        splits.increment();
        eagerSplits.increment();
        cycles += splitCycles();
      }
    }
    return cycles;
  }

  /**
   * A write hit a present, write-protected 4 KiB SPTE while logging: the lockless fast path
   * (fast_page_fault) makes it writable, which logs the page; no flush (only a permission is
   * added).
   *
   * @return cycles spent
   */
  @Override
  public long writeProtectFault(Memslot s, long gpa) {
    writeProtectFaults.increment();
    // Made writable: in write-protect mode the hook marks the page dirty.
    table.updateLeafBits(gpa & ~0xfffL, EntryFormat.EPT.writableBit(), 0);
    return costs.raceRetryCycles() + costs.dirtyLogCyclesPerSpte();
  }

  /**
   * A write hit a write-protected huge SPTE of the logged slot (not split eagerly), which the slow
   * path maps at 4 KiB (kvm_mmu_hugepage_adjust: a logged slot maps 4 KiB only), under the MMU
   * lock. With {@code splitInPlace} (the TDP MMU, kvm_tdp_mmu_map) the huge SPTE is split on the
   * way down (tdp_mmu_split_huge_page: 512 SPTEs that keep its mapping and its write protection, no
   * flush) and the faulting 4 KiB SPTE is made writable: each other page of it takes a
   * write-protection fault on its first write. Otherwise (the legacy MMU's direct_map) the huge
   * SPTE is zapped and the TLBs flushed (drop_large_spte), an empty table is linked and only the
   * faulting page is mapped: each other page of it faults as not present on its first access.
   *
   * @return cycles spent under the lock
   */
  @Override
  public long hugePageWriteFault(Memslot s, long gpa, boolean splitInPlace) {
    long cycles = costs.mapUnderLockCycles();
    long aligned = gpa & ~0xfffL;
    if (splitInPlace) {
      int level;
      while ((level = table.leafLevel(gpa)) > 1) {
        boolean writable = EntryFormat.EPT.isWritable(table.leafEntry(gpa));
        table.split(gpa, writable);
        splits.increment();
        faultSplits.increment();
        cycles += splitCycles();
      }
      // A split keeps the translations: nothing cached is stale (every other EPT change ends
      // with its flush, so nothing else is pending).
      flushTracker.flushed();
      table.updateLeafBits(aligned, EntryFormat.EPT.writableBit(), 0); // logged by the hook
      return cycles;
    }
    int level = table.leafLevel(gpa);
    table.unmap(gpa);
    faultZaps.increment();
    cycles += flushAll();
    table.map(aligned, s.hpa(aligned), PageSize.SIZE_4K, true); // logged by the hook
    installs.increment();
    return cycles + (long) (level - 1) * costs.tablePageAllocCycles();
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
      // Dirty-bit mode: a dirty bit lost with its SPTE (zapped, or cleared other than by the
      // re-protection of a page already logged) is a logged write.
      return !protecting && f.isPresent(oldEntry) && f.isDirty(oldEntry) && !f.isDirty(newEntry);
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
   * KVM_GET_DIRTY_LOG without manual protect (kvm_get_dirty_log_protect): under the MMU lock, each
   * word of the slot's bitmap is taken and cleared, and the pages of a word with bits set are
   * write-protected again or get their dirty bit cleared (kvm_arch_mmu_enable_log_dirty_pt_masked);
   * then the TLBs are flushed.
   *
   * @param cycles receives the cycles spent in {@code cycles[0]}
   * @return the pages written since the last call, one bit per 4 KiB page of the slot
   */
  public long[] harvestDirtyLog(long[] cycles) {
    requireLogging();
    syncDirtyBits();
    long[] out = dirty.clone();
    long spent = protectMasked(out);
    java.util.Arrays.fill(dirty, 0);
    cycles[0] = spent + flushAll();
    return out;
  }

  /**
   * KVM_GET_DIRTY_LOG with manual protect: the slot's bitmap is copied out as it is (the vCPUs' PML
   * buffers flushed into it first), nothing is protected and the bitmap is not cleared.
   *
   * @param cycles receives the cycles spent in {@code cycles[0]}: one SPTE visit's worth per 64-bit
   *     word copied
   */
  public long[] copyDirtyLog(long[] cycles) {
    requireLogging();
    syncDirtyBits();
    cycles[0] = (long) dirty.length * costs.dirtyLogCyclesPerSpte();
    return dirty.clone();
  }

  /**
   * KVM_CLEAR_DIRTY_LOG (kvm_clear_dirty_log_protect) over the whole slot with the bitmap {@code
   * mask} that userspace got: under the MMU lock the bits are cleared in the slot's bitmap and
   * their pages protected again; if the slot was initially all set, the huge pages the pages lie in
   * are split first (kvm.eager_page_split) or write-protected so that the first write splits them.
   * The TLBs are flushed if anything was protected.
   *
   * @return cycles spent
   */
  public long clearDirtyLog(long[] mask) {
    requireLogging();
    if (mask.length != dirty.length) {
      throw new IllegalArgumentException("the mask must cover the slot");
    }
    long spent = (long) mask.length * costs.dirtyLogCyclesPerSpte(); // reading the user's bitmap
    long[] cleared = new long[mask.length];
    for (int i = 0; i < mask.length; i++) {
      cleared[i] = dirty[i] & mask[i];
      dirty[i] &= ~mask[i];
    }
    if (initiallySet) {
      spent += prepareHugePages(cleared);
    }
    spent += protectMasked(cleared);
    boolean any = false;
    for (long m : cleared) {
      any |= m != 0;
    }
    return any ? spent + flushAll() : spent;
  }

  /**
   * For each word of {@code masks} with bits set, as kvm_arch_mmu_enable_log_dirty_pt_masked does
   * for an initially-set slot: the huge pages from its first to its last page are split eagerly, or
   * else the huge leaves at its first and last page are write-protected.
   */
  private long prepareHugePages(long[] masks) {
    long base = loggedSlot.gpaBase();
    long cycles = 0;
    long w = EntryFormat.EPT.writableBit();
    for (int word = 0; word < masks.length; word++) {
      long mask = masks[word];
      if (mask == 0) {
        continue;
      }
      long first = base + (((long) word << 6) + Long.numberOfTrailingZeros(mask)) * 4096;
      long last = base + (((long) word << 6) + 63 - Long.numberOfLeadingZeros(mask)) * 4096;
      if (eagerSplit) {
        cycles += splitHugePages(first, last + 4096);
      } else {
        for (long at : new long[] {first, last}) {
          if (table.leafLevel(at) > 1) {
            table.updateLeafBits(at, 0, w);
            cycles += costs.dirtyLogCyclesPerSpte();
          }
        }
      }
    }
    return cycles;
  }

  /**
   * Protects again the 4 KiB SPTEs of the pages set in {@code masks}: write-protected, or their
   * dirty bit cleared (without logging them again), a range of the table for each word with a bit
   * set (kvm_tdp_mmu_clear_dirty_pt_masked). One SPTE visit for each word and for each page.
   */
  private long protectMasked(long[] masks) {
    long base = loggedSlot.gpaBase();
    long clear =
        mode == DirtyLogMode.WRITE_PROTECT
            ? EntryFormat.EPT.writableBit()
            : EntryFormat.EPT.dirtyBit();
    long cycles = 0;
    protecting = true;
    for (int word = 0; word < masks.length; word++) {
      long mask = masks[word];
      if (mask == 0) {
        continue;
      }
      cycles += (1 + Long.bitCount(mask)) * (long) costs.dirtyLogCyclesPerSpte();
      long first = base + (((long) word << 6) + Long.numberOfTrailingZeros(mask)) * 4096;
      long end = base + (((long) word << 6) + 64 - Long.numberOfLeadingZeros(mask)) * 4096;
      for (TableIterator it = iterator.start(table, first, end); it.valid(); it.next()) {
        if (it.level() == 1
            && (it.entry() & clear) != 0
            && (mask & (1L << ((it.address() - base) >>> 12))) != 0) {
          table.set(it, it.entry() & ~clear);
        }
      }
    }
    protecting = false;
    return cycles;
  }

  /**
   * PML: the processor logged the pages whose dirty bit it set; before the log is read, KVM flushes
   * the vCPUs' PML buffers into the slot's bitmap. The model reads the dirty bits of the logged
   * slot's 4 KiB SPTEs instead (the PML-full exits are not modelled).
   */
  private void syncDirtyBits() {
    if (mode != DirtyLogMode.DIRTY_BIT) {
      return;
    }
    Memslot s = loggedSlot;
    long d = EntryFormat.EPT.dirtyBit();
    for (TableIterator it = iterator.start(table, s.gpaBase(), s.gpaBase() + s.bytes());
        it.valid();
        it.next()) {
      if (it.level() == 1 && (it.entry() & d) != 0) {
        markDirty(it.address());
      }
    }
  }

  private void requireLogging() {
    if (!logging) {
      throw new IllegalStateException("dirty logging is off");
    }
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
