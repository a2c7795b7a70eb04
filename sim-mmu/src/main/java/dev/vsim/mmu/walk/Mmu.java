package dev.vsim.mmu.walk;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.profile.PagingStructureCaches;
import dev.vsim.cpu.profile.TlbHierarchy;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.AddressTranslation;
import dev.vsim.mmu.pagetable.EntryFormat;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.pagetable.TableCursor;
import dev.vsim.mmu.psc.PagingStructureCacheSet;
import dev.vsim.mmu.tlb.Context;
import dev.vsim.mmu.tlb.Tlb;

/**
 * One core's address translation: TLBs, paging-structure caches and the page walker, in native,
 * nested (EPT) or shadow mode. Every paging-structure entry a walk reads is a memory reference
 * priced by the core's {@link MemoryHierarchy}. Accessed bits are set in every entry a walk uses
 * and the dirty bit in the leaf on a write, in the guest's tables and, when enabled, in EPT.
 *
 * <p>{@link #translate} returns a host-physical address and leaves the cycles and references it
 * cost in {@link #lastCycles()} and {@link #lastReferences()}; it allocates nothing.
 */
public final class Mmu implements AddressTranslation {
  /**
   * Returned by {@link #translate} when a walk finds no mapping (a page fault or EPT violation).
   */
  public static final long FAULT = -1;

  // Bit 0 of a cached frame (frames are page aligned) marks a translation that does not permit
  // writes, as a TLB entry keeps the permissions it was filled with.
  private static final long READ_ONLY = 1;

  private final TranslationMode mode;
  private final PageTable primary; // NATIVE: the page table; NESTED: the guest's; SHADOW: shadow
  private final PageTable ept; // NESTED only
  private final boolean eptAccessDirty;
  private final MemoryHierarchy memory;

  private final Tlb[] l1 = new Tlb[3];
  private final Tlb l1d4k;
  // Look-ups of the large-page structures skipped (and counted as the misses they must be) before
  // any large page is cached, counted here so that those structures are not even read.
  private long skippedL1Large; // each: one look-up of l1d2m and one of l1d1g
  private long skippedStlb1g;
  // The paging-structure caches by level, 2 (PDE) to 4 (PML4E), held here directly: reaching
  // them through their PagingStructureCacheSet reads two more objects per walk.
  private final Tlb guestPde;
  private final Tlb guestPdpte;
  private final Tlb guestPml4e;
  private final Tlb eptPde;
  private final Tlb eptPdpte;
  private final Tlb eptPml4e;
  private final Tlb stlb;
  private final Tlb stlb1g;
  private final int l1Latency;
  private final int stlbLatency;
  private final PagingStructureCacheSet guestPsc;
  private final PagingStructureCacheSet eptPsc;
  private final int pscLatency;
  private boolean pscEnabled = true;
  private final TableCursor cursor = new TableCursor();
  private final TableCursor eptCursor = new TableCursor();

  private static final PageSize[] SIZES = PageSize.values();

  private int eptSlot;
  private int vpid;
  private int pcid;
  private boolean pcidEnabled;
  private int context; // tag of combined mappings, recomputed when a tag changes
  private boolean anyLargePage; // whether a 2 MiB or 1 GiB translation was ever cached
  private int eptContext;

  private long lastCycles;
  private int lastReferences;
  // Page sizes of the last translation are kept as levels (1 = 4 KiB, 0 before any), not as
  // PageSize references: storing a reference costs a GC write barrier on every translation.
  private int lastLevel;
  // Walk statistics: plain fields read through gauges, as a Counter object costs a dependent load
  // on every walk.
  private long walks;
  private long walkReferences;
  private long walkCycles;
  private long walkDram;
  private long faults;

  /**
   * @param primary the table hardware walks first: the page table (native), the guest's page table
   *     (nested) or the shadow table (shadow)
   * @param ept the EPT of a nested configuration, else null
   * @param stats this core's group (e.g. {@code vm0.vcpu0.mmu})
   */
  public Mmu(
      HardwareProfile profile,
      TranslationMode mode,
      PageTable primary,
      PageTable ept,
      boolean eptAccessDirty,
      MemoryHierarchy memory,
      long seed,
      StatGroup stats) {
    if ((mode == TranslationMode.NESTED) != (ept != null)) {
      throw new IllegalArgumentException("an EPT is needed exactly in nested mode");
    }
    this.mode = mode;
    this.primary = primary;
    this.ept = ept;
    this.eptAccessDirty = eptAccessDirty;
    this.memory = memory;
    TlbHierarchy t = profile.tlb();
    StatGroup tlbStats = stats.group("tlb");
    // Each level with its own replacement policy, else the hierarchy's.
    String r = t.replacement();
    l1[0] = Tlb.of(t.l1d4k(), t.l1d4k().replacementOr(r), seed, tlbStats.group("l1d4k"));
    l1[1] = Tlb.of(t.l1d2m(), t.l1d2m().replacementOr(r), seed + 1, tlbStats.group("l1d2m"));
    l1[2] = Tlb.of(t.l1d1g(), t.l1d1g().replacementOr(r), seed + 2, tlbStats.group("l1d1g"));
    l1d4k = l1[0];
    stlb = Tlb.of(t.stlb(), t.stlb().replacementOr(r), seed + 3, tlbStats.group("stlb"));
    stlb1g = Tlb.of(t.stlb1g(), t.stlb1g().replacementOr(r), seed + 4, tlbStats.group("stlb1g"));
    l1Latency = t.l1d4k().latencyCycles();
    stlbLatency = t.stlb().latencyCycles();
    PagingStructureCaches p = profile.pagingStructureCaches();
    guestPsc =
        new PagingStructureCacheSet(
            p.pml4e(), p.pdpte(), p.pde(), t.replacement(), seed + 5, stats.group("psc"));
    eptPsc =
        new PagingStructureCacheSet(
            p.eptPml4e(),
            p.eptPdpte(),
            p.eptPde(),
            t.replacement(),
            seed + 8,
            stats.group("ept_psc"));
    pscLatency = p.latencyCycles();
    guestPde = guestPsc.level(2);
    guestPdpte = guestPsc.level(3);
    guestPml4e = guestPsc.level(4);
    eptPde = eptPsc.level(2);
    eptPdpte = eptPsc.level(3);
    eptPml4e = eptPsc.level(4);
    l1[1].addMissesCountedBy(() -> skippedL1Large);
    l1[2].addMissesCountedBy(() -> skippedL1Large);
    stlb1g.addMissesCountedBy(() -> skippedStlb1g);
    StatGroup w = stats.group("walk");
    // Every translation looks up the 4 KiB L1 DTLB exactly once.
    stats.gauge(
        "translations",
        Unit.COUNT,
        "Linear addresses translated (L1 DTLB lookups)",
        () -> l1d4k.hits() + l1d4k.misses());
    w.gauge("count", Unit.COUNT, "Page walks after a miss in every TLB", () -> walks);
    w.gauge(
        "references",
        Unit.COUNT,
        "Memory references of page walks, in either dimension",
        () -> walkReferences);
    w.gauge("cycles", Unit.CYCLES, "Cycles spent walking page tables", () -> walkCycles);
    w.gauge(
        "dram_references",
        Unit.COUNT,
        "Page-walk references that missed the LLC and went to DRAM",
        () -> walkDram);
    w.gauge(
        "faults",
        Unit.COUNT,
        "Page walks that ended in a fault (guest page fault or EPT violation)",
        () -> faults);
  }

  /**
   * Turns the paging-structure caches off (what-if hardware without page-walk caches, and the
   * textbook (g+1)(h+1)-1 reference counts).
   */
  public void disablePagingStructureCaches() {
    pscEnabled = false;
  }

  // ---- tags -----------------------------------------------------------------------------

  /** Sets the tags of the running context: EPTP slot, VPID and PCID. */
  public void setContext(int eptSlotValue, int vpidValue, int pcidValue) {
    this.eptSlot = eptSlotValue;
    this.vpid = vpidValue;
    this.pcid = pcidValue;
    retag();
  }

  private void retag() {
    context = Context.of(eptSlot, vpid, pcidEnabled ? pcid : 0);
    eptContext = Context.of(eptSlot, 0, 0);
  }

  private int context() {
    return context;
  }

  private int eptContext() {
    return eptContext;
  }

  // ---- translation ----------------------------------------------------------------------

  /**
   * Translates a linear address of the running context to a host-physical address, or {@link
   * #FAULT}. Costs are left in {@link #lastCycles()} and {@link #lastReferences()}.
   */
  @Override
  public long translate(long linear, boolean write) {
    // The common case, kept small so that it inlines into the caller: an L1 DTLB hit.
    long hit = l1d4k.lookup(context, linear >>> 12);
    if (hit >= 0 && (hit & READ_ONLY) == 0) {
      lastReferences = 0;
      lastCycles = l1Latency;
      lastLevel = 1;
      return hit | (linear & 0xfff);
    }
    return translateMiss(linear, write, hit);
  }

  /** Everything but a writable L1 hit; {@code l1Hit} is the L1 look-up's read-only hit or -1. */
  private long translateMiss(long linear, boolean write, long l1Hit) {
    lastReferences = 0;
    lastFaultGpa = -1;
    int ctx = context;
    if (l1Hit >= 0) { // a read-only translation
      if (!write) {
        lastCycles = l1Latency;
        lastLevel = 1;
        return (l1Hit & ~READ_ONLY) | (linear & 0xfff);
      }
      // A write through a read-only entry re-walks (the tables may have been made writable since)
      // rather than faulting on the stale permission.
      dropReadOnly(linear);
    }
    // L1 DTLBs of each size are looked up in parallel. Large-page look-ups are skipped (and
    // counted as the misses they must be) until a large page has been cached.
    for (int s = 1; s < 3; s++) {
      if (!anyLargePage) {
        skippedL1Large++;
        break;
      }
      PageSize size = SIZES[s];
      long frame = l1[s].lookup(ctx, linear >>> size.shift());
      if (frame != -1 && write && (frame & READ_ONLY) != 0) {
        dropReadOnly(linear);
        frame = -1;
      }
      if (frame != -1) {
        frame &= ~READ_ONLY;
        lastCycles = l1Latency;
        lastLevel = size.level();
        return frame | (linear & size.offsetMask());
      }
    }
    long frame = stlb.lookup(ctx, stlbKey(linear, PageSize.SIZE_4K));
    PageSize size = PageSize.SIZE_4K;
    if (frame == -1) {
      if (anyLargePage) {
        frame = stlb.lookup(ctx, stlbKey(linear, PageSize.SIZE_2M));
        size = PageSize.SIZE_2M;
        if (frame == -1) {
          frame = stlb1g.lookup(ctx, linear >>> 30);
          size = PageSize.SIZE_1G;
        }
      } else {
        stlb.countMiss();
        skippedStlb1g++;
      }
    }
    if (frame != -1 && write && (frame & READ_ONLY) != 0) {
      dropReadOnly(linear);
      frame = -1;
    }
    if (frame != -1) {
      l1Of(size).insertAbsent(ctx, linear >>> size.shift(), frame, 0, false);
      frame &= ~READ_ONLY;
      lastCycles = stlbLatency;
      lastLevel = size.level();
      return frame | (linear & size.offsetMask());
    }
    lastCycles = stlbLatency;
    long hpa = walk(linear, write);
    walks++;
    walkReferences += lastReferences;
    walkCycles += lastCycles - stlbLatency;
    if (hpa == FAULT) {
      faults++;
      return FAULT;
    }
    size = PageSize.ofLevel(lastLevel);
    anyLargePage |= size != PageSize.SIZE_4K;
    long base = (hpa & ~size.offsetMask()) | (lastWritable ? 0 : READ_ONLY);
    l1Of(size).insertAbsent(ctx, linear >>> size.shift(), base, 0, false);
    if (size == PageSize.SIZE_1G) {
      stlb1g.insertAbsent(ctx, linear >>> 30, base, 0, false);
    } else {
      stlb.insertAbsent(ctx, stlbKey(linear, size), base, 0, false);
    }
    return hpa;
  }

  private Tlb l1Of(PageSize size) {
    return size == PageSize.SIZE_4K ? l1d4k : l1[size.ordinal()];
  }

  private Tlb guestPsc(int level) {
    return level == 2 ? guestPde : level == 3 ? guestPdpte : guestPml4e;
  }

  /** Drops every guest paging-structure-cache entry whose context matches under the mask. */
  private void dropGuestPsc(int value, int mask) {
    guestPde.invalidate(value, mask, -1, false);
    guestPdpte.invalidate(value, mask, -1, false);
    guestPml4e.invalidate(value, mask, -1, false);
  }

  private Tlb eptPsc(int level) {
    return level == 2 ? eptPde : level == 3 ? eptPdpte : eptPml4e;
  }

  /** Drops every cached translation of the page of {@code linear} in the running context. */
  private void dropReadOnly(long linear) {
    int mask = Context.EPT_MASK | Context.VPID_MASK | Context.PCID_MASK;
    dropPage(context, mask, linear);
  }

  /**
   * Drops the TLB entries of every size for the page of {@code linear} whose context matches {@code
   * value} under {@code mask}. Until a large page has been cached, only the 4 KiB ones can exist:
   * the structures of the other sizes (and the STLB's 2 MiB set) are not even read, as each is
   * another cold host cache line when many vCPUs interleave.
   */
  private void dropPage(int value, int mask, long linear) {
    l1d4k.invalidate(value, mask, linear >>> 12, false);
    stlb.invalidate(value, mask, stlbKey(linear, PageSize.SIZE_4K), false);
    if (anyLargePage) {
      for (int s = 1; s < 3; s++) {
        l1[s].invalidate(value, mask, linear >>> SIZES[s].shift(), false);
      }
      stlb.invalidate(value, mask, stlbKey(linear, PageSize.SIZE_2M), false);
      stlb1g.invalidate(value, mask, linear >>> 30, false);
    }
  }

  /**
   * STLB keys keep 4 KiB and 2 MiB entries apart: the page number, and the size in the top bit. The
   * set is chosen by the page number's low bits, as the hardware indexes by the linear address's
   * bits above the page offset (with the size in bit 0, every 4 KiB page went to an even set and
   * the STLB held half as many pages as it has entries).
   */
  static long stlbKey(long linear, PageSize size) {
    return (linear >>> size.shift()) | (size == PageSize.SIZE_2M ? Long.MIN_VALUE : 0);
  }

  private void reference(long physicalAddress) {
    lastCycles += memory.access(physicalAddress);
    lastReferences++;
    if (memory.lastLevel() == MemoryHierarchy.DRAM) {
      walkDram++;
    }
  }

  /** Walks the primary table (and EPT when nested); sets lastLevel. */
  private long walk(long linear, boolean write) {
    int ctx = context();
    // Start below the deepest paging-structure-cache hit.
    int level = primary.levels();
    long table = primary.root(); // address in the primary table's own address space
    long tableHpa = -1; // host-physical address of that table, when known
    if (pscEnabled) {
      lastCycles += pscLatency;
    }
    for (int l = 2; l <= 4 && pscEnabled; l++) {
      if (l >= primary.levels()) {
        break;
      }
      Tlb psc = guestPsc(l);
      long hit = psc.lookup(ctx, PagingStructureCacheSet.key(linear, l));
      if (hit != -1) {
        level = l - 1;
        tableHpa = hit;
        table = psc.lastAux();
        break;
      }
    }
    TableCursor c = cursor.startAt(primary, linear, level, table);
    long accessed = primary.format().accessedBit();
    while (true) {
      if (tableHpa == -1) {
        tableHpa = mode == TranslationMode.NESTED ? gpaToHpa(c.tableAddress(), false) : table;
        if (tableHpa == FAULT) {
          return FAULT;
        }
      }
      reference(tableHpa + (c.entryAddress() - c.tableAddress()));
      if (!c.isPresent()) {
        return FAULT;
      }
      c.setBits(accessed);
      if (c.isLeaf()) {
        boolean writable = primary.format().isWritable(c.entry());
        if (write && !writable) {
          return FAULT; // a guest page fault (or, in shadow mode, a write-protected shadow entry)
        }
        if (write) {
          c.setBits(primary.format().dirtyBit());
        }
        long out = c.translated();
        int leafLevel = c.level();
        if (mode == TranslationMode.NESTED) {
          out = gpaToHpa(out, write);
          if (out == FAULT) {
            return FAULT;
          }
          leafLevel = Math.min(leafLevel, lastEptLevel); // the smaller page
          writable &= lastEptWritable;
        }
        lastLevel = leafLevel;
        lastWritable = writable;
        return out;
      }
      long next = EntryFormat.address(c.entry());
      c.down();
      table = next;
      tableHpa = -1;
      if (pscEnabled && c.level() + 1 <= 4 && c.level() + 1 >= 2) {
        long nextHpa = mode == TranslationMode.NESTED ? gpaToHpa(next, false) : next;
        if (nextHpa == FAULT) {
          return FAULT;
        }
        guestPsc(c.level() + 1)
            .insert(ctx, PagingStructureCacheSet.key(linear, c.level() + 1), nextHpa, next, false);
        tableHpa = nextHpa;
      }
    }
  }

  private int lastEptLevel;
  private boolean lastEptWritable;
  private boolean lastWritable;
  private long lastFaultGpa = -1;
  private boolean lastFaultWrite;

  /** Translates a guest-physical address through EPT with the EPT paging-structure caches. */
  private long gpaToHpa(long gpa, boolean write) {
    int ctx = eptContext();
    int level = ept.levels();
    long table = ept.root();
    if (pscEnabled) {
      lastCycles += pscLatency;
    }
    for (int l = 2; l <= 4 && pscEnabled; l++) {
      if (l >= ept.levels()) {
        break;
      }
      long hit = eptPsc(l).lookup(ctx, PagingStructureCacheSet.key(gpa, l));
      if (hit != -1) {
        level = l - 1;
        table = hit;
        break;
      }
    }
    TableCursor c = eptCursor.startAt(ept, gpa, level, table);
    while (true) {
      reference(c.entryAddress());
      if (!c.isPresent()) {
        return eptViolation(gpa, write);
      }
      if (c.isLeaf() && write && !EntryFormat.EPT.isWritable(c.entry())) {
        return eptViolation(gpa, true);
      }
      if (eptAccessDirty) {
        c.setBits(EntryFormat.EPT.accessedBit());
      }
      if (c.isLeaf()) {
        lastEptWritable = EntryFormat.EPT.isWritable(c.entry());
        if (write && eptAccessDirty) {
          c.setBits(EntryFormat.EPT.dirtyBit());
        }
        lastEptLevel = c.level();
        return c.translated();
      }
      long next = EntryFormat.address(c.entry());
      c.down();
      int cached = c.level() + 1;
      if (pscEnabled && cached >= 2 && cached <= 4) {
        eptPsc(cached)
            .insertAbsent(ctx, PagingStructureCacheSet.key(gpa, cached), next, next, false);
      }
    }
  }

  private long eptViolation(long gpa, boolean write) {
    lastFaultGpa = gpa;
    lastFaultWrite = write;
    return FAULT;
  }

  /**
   * Whether a TLB of this core holds a translation of {@code linear}'s page in the running context
   * (any size), without disturbing them: the checking mode's probe for stale translations.
   */
  @Override
  public boolean hasCachedTranslation(long linear) {
    for (int s = 0; s < 3; s++) {
      if (l1[s].contains(context, linear >>> SIZES[s].shift())) {
        return true;
      }
    }
    return stlb.contains(context, stlbKey(linear, PageSize.SIZE_4K))
        || stlb.contains(context, stlbKey(linear, PageSize.SIZE_2M))
        || stlb1g.contains(context, linear >>> 30);
  }

  // ---- invalidation ---------------------------------------------------------------------

  /**
   * INVLPG in the running context: drops the TLB entries for the page of {@code linear} (every
   * size) and every paging-structure-cache entry of the context (SDM 4.10.4.1).
   */
  @Override
  public void invlpg(long linear) {
    int ctx = context();
    int mask = Context.EPT_MASK | Context.VPID_MASK | Context.PCID_MASK;
    dropPage(ctx, mask, linear);
    dropGuestPsc(ctx, mask);
  }

  /**
   * MOV to CR3. Without PCIDs, drops the context's non-global TLB entries and its paging-structure
   * caches; with CR4.PCIDE, switches to {@code newPcid} and drops that PCID's non-global entries
   * unless bit 63 ({@code noFlush}) was set.
   */
  @Override
  public void flushContext() {
    movCr3(pcid, false);
  }

  public void movCr3(int newPcid, boolean noFlush) {
    if (pcidEnabled) {
      pcid = newPcid;
      retag();
      if (noFlush) {
        return;
      }
    }
    int ctx = context();
    int mask = Context.EPT_MASK | Context.VPID_MASK | Context.PCID_MASK;
    dropCombined(ctx, mask, true);
  }

  /** Sets CR4.PCIDE. */
  public void setPcidEnabled(boolean on) {
    pcidEnabled = on;
    retag();
  }

  /** INVVPID type 0: the combined mappings of one address in one VPID. */
  public void invvpidAddress(int vpidValue, long linear) {
    int value = Context.of(0, vpidValue, 0);
    dropPage(value, Context.VPID_MASK, linear);
    dropGuestPsc(value, Context.VPID_MASK);
  }

  /** INVVPID type 1: every combined mapping of one VPID. */
  public void invvpidSingleContext(int vpidValue) {
    dropCombined(Context.of(0, vpidValue, 0), Context.VPID_MASK, false);
  }

  /** INVVPID type 2: every combined mapping of every VPID but 0 (the host's). */
  public void invvpidAllContexts() {
    for (int s = 0; s < 3; s++) {
      l1[s].invalidateAllGuestVpids();
    }
    stlb.invalidateAllGuestVpids();
    stlb1g.invalidateAllGuestVpids();
    for (int l = 2; l <= 4; l++) {
      guestPsc.level(l).invalidateAllGuestVpids();
    }
  }

  /** INVVPID type 3: one VPID's combined mappings except global translations. */
  public void invvpidSingleContextRetainingGlobals(int vpidValue) {
    dropCombined(Context.of(0, vpidValue, 0), Context.VPID_MASK, true);
  }

  /**
   * INVEPT type 1: every guest-physical mapping (EPT paging-structure caches) and every combined
   * mapping derived from the EPTP in {@code slot}.
   */
  public void inveptSingleContext(int slot) {
    int value = Context.of(slot, 0, 0);
    dropCombined(value, Context.EPT_MASK, false);
    eptPsc.invalidate(value, Context.EPT_MASK);
  }

  /** INVEPT type 2: every guest-physical and combined mapping of every EPTP. */
  public void inveptAllContexts() {
    dropCombined(0, 0, false);
    eptPsc.invalidate(0, 0);
  }

  private void dropCombined(int value, int mask, boolean keepGlobal) {
    for (int s = 0; s < 3; s++) {
      l1[s].invalidate(value, mask, -1, keepGlobal);
    }
    stlb.invalidate(value, mask, -1, keepGlobal);
    stlb1g.invalidate(value, mask, -1, keepGlobal);
    dropGuestPsc(value, mask);
  }

  // ---- results --------------------------------------------------------------------------

  /** Cycles of the last translation: TLB latency, plus the walk's references if it walked. */
  @Override
  public long lastCycles() {
    return lastCycles;
  }

  /** Memory references of the last translation's walk (0 on a TLB hit). */
  @Override
  public int lastReferences() {
    return lastReferences;
  }

  /** The page size the last translation was cached at. */
  public PageSize lastPageSize() {
    return lastLevel == 0 ? null : PageSize.ofLevel(lastLevel);
  }

  /**
   * The guest-physical address whose EPT entry stopped the last translation (an EPT violation), or
   * -1 if it did not fault in EPT (no fault, or a fault in the guest's own table).
   */
  @Override
  public long lastFaultGpa() {
    return lastFaultGpa;
  }

  /** Whether the last EPT violation was a write (to a missing or a read-only mapping). */
  public boolean lastFaultWrite() {
    return lastFaultWrite;
  }

  public TranslationMode mode() {
    return mode;
  }

  @Override
  public long walks() {
    return walks;
  }

  @Override
  public long walkDramReferences() {
    return walkDram;
  }
}
