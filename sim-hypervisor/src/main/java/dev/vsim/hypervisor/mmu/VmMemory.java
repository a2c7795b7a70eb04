package dev.vsim.hypervisor.mmu;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.NumaNodes;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.registry.Registry;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.sync.LineDistance;
import dev.vsim.cpu.units.ByteSize;
import dev.vsim.hypervisor.memory.Backing;
import dev.vsim.hypervisor.memory.HostMemory;
import dev.vsim.hypervisor.memory.HostPageFault;
import dev.vsim.hypervisor.memory.MemoryPolicy;
import dev.vsim.hypervisor.memory.Memslot;
import dev.vsim.hypervisor.memory.PageAllocator;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.walk.Mmu;
import dev.vsim.mmu.walk.TranslationMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * How the hypervisor virtualizes one VM's memory, whatever the workload: the memslots and the host
 * memory behind them, and in the paging mode's way the second-level tables the vCPUs' MMUs walk:
 * EPT built by the {@link FaultDesign} and filled by the {@link EptFaultPath}, or shadow tables
 * built from the guest's page table, or nothing (native: the guest's tables map host memory).
 *
 * <p>Layout: guest RAM is guest-physical [0, bytes) at host-physical {@link #HOST_OFFSET}; the
 * guest's page tables live in a memslot of their own above it, at guest-physical {@link
 * #GUEST_TABLES_GPA} (or, for RAM beyond it, at the next multiple of it past RAM).
 */
public final class VmMemory {
  /** Host-physical address = guest-physical address + this. */
  public static final long HOST_OFFSET = 0x100_0000_0000L; // 1 TiB

  /** Where the guest keeps its page tables (guest-physical) when RAM ends below. */
  public static final long GUEST_TABLES_GPA = 0x80_0000_0000L; // 512 GiB

  /**
   * The largest guest RAM the layout holds: RAM, then the guest's tables, stay below the host's EPT
   * and shadow table memory ({@link Ept#TABLES_HPA} at 8 TiB host-physical).
   */
  public static final long MAX_RAM_BYTES = 0x400_0000_0000L; // 4 TiB

  /** Natively the page tables sit in host memory of their own (where EPT's would be). */
  public static final long NATIVE_TABLES_HPA = Ept.TABLES_HPA;

  /** The paging modes by name. */
  public static final Registry<TranslationMode> PAGING =
      new Registry<TranslationMode>("paging mode", "how guest memory is virtualized")
          .register(
              "ept",
              "two-dimensional walks: the guest's page table, then EPT",
              TranslationMode.NESTED)
          .register(
              "shadow",
              "the hypervisor's shadow tables map guest-linear to host-physical; page faults exit",
              TranslationMode.SHADOW)
          .register(
              "native",
              "no virtualization: the guest's tables map host memory",
              TranslationMode.NATIVE);

  private final EventKernel kernel;
  private final HardwareProfile profile;
  private final TranslationMode mode;
  private final FaultDesign design;
  private final Backing backing;
  private final int levels;
  private final int vcpus;
  private final StatGroup kvmStats;
  private final HostMemory host;
  private final Memslot ram;
  private final long guestTablesGpa;
  private final Ept ept;
  private final NumaNodes bandwidth;
  private final PageAllocator allocator;
  private final StatGroup vmStats;
  private ShadowTables shadow; // built once the guest has its page table
  private EptFaultPath faults;
  private final List<Mmu> mmus = new ArrayList<>();
  private PageTable guestTable;

  /**
   * @param bandwidth the host's memory nodes, whose bandwidth zeroing on faults shares
   * @param policy where the host places the VM's memory
   * @param allocator the host's page allocator, which every VM's faults share
   * @param vmStats the VM's group: host memory under {@code host_memory}, the hypervisor's parts
   *     under {@code kvm}
   */
  public VmMemory(
      EventKernel kernel,
      HardwareProfile profile,
      TranslationMode mode,
      FaultDesign design,
      long bytes,
      Backing backing,
      int levels,
      int vcpus,
      NumaNodes bandwidth,
      MemoryPolicy policy,
      PageAllocator allocator,
      StatGroup vmStats) {
    String conflict = mode == TranslationMode.SHADOW ? design.shadowPagingConflict() : null;
    if (conflict != null) {
      throw new IllegalArgumentException(conflict);
    }
    this.kernel = kernel;
    this.profile = profile;
    this.mode = mode;
    this.design = design;
    this.backing = backing;
    this.levels = levels;
    this.vcpus = vcpus;
    this.kvmStats = vmStats.group("kvm");
    this.host = new HostMemory(vmStats.group("host_memory"), bandwidth, policy);
    if (bytes > MAX_RAM_BYTES) {
      throw new IllegalArgumentException(
          "guest memory of " + bytes + " bytes is beyond the simulator's 4 TiB");
    }
    this.ram = host.add(new Memslot(0, 0, bytes, HOST_OFFSET, backing));
    this.guestTablesGpa =
        Math.max(
            GUEST_TABLES_GPA, (bytes + GUEST_TABLES_GPA - 1) / GUEST_TABLES_GPA * GUEST_TABLES_GPA);
    this.bandwidth = bandwidth;
    this.allocator = allocator;
    this.vmStats = vmStats;
    if (mode == TranslationMode.NESTED) {
      ept = new Ept(profile.mmu(), host, levels, 1, kvmStats.group("ept"));
      faults = faultPath(ept, kvmStats);
    } else {
      ept = null;
    }
  }

  private EptFaultPath faultPath(SecondLevelTables tables, StatGroup stats) {
    long zeroingRate = profile.dram().zeroingBytesPerSecond();
    // A page of KVM's MMU page cache: the allocation's own work, then clear_page at one core's
    // rate.
    long topupPageCycles =
        profile.hostMm().mmuPageAllocCycles()
            + (4096L * profile.frequency().baseHz() + zeroingRate - 1) / zeroingRate;
    HostPageFault hostFault =
        new HostPageFault(
            kernel,
            profile.hostMm(),
            profile.mmu().hostPageAllocCycles(),
            profile.mmu().gupResidentCycles(),
            topupPageCycles,
            allocator,
            lines(profile.hostMm().cacheLineTransferCycles()),
            vcpus,
            profile.hardwareThreads(),
            vmStats.group("host_mm"));
    return new EptFaultPath(
        kernel,
        profile.mmu(),
        profile.hostMm(),
        design,
        tables,
        bandwidth,
        lines(profile.mmu().lockHandoffCycles()),
        lines(profile.hostMm().cacheLineTransferCycles()),
        zeroingRate,
        hostFault,
        vcpus,
        stats);
  }

  /** Line transfers on this host: by distance if the profile gives them, else {@code flat}. */
  private LineDistance lines(long flat) {
    return LineDistance.of(profile.topology(), profile.coherence(), flat);
  }

  public TranslationMode mode() {
    return mode;
  }

  public FaultDesign design() {
    return design;
  }

  public HostMemory host() {
    return host;
  }

  /** Guest RAM's memslot. */
  public Memslot ram() {
    return ram;
  }

  /** The VM's EPT, or null unless the paging mode is EPT. */
  public Ept ept() {
    return ept;
  }

  /** The shadow tables, or null unless the paging mode is shadow (and the guest has booted). */
  public ShadowTables shadow() {
    return shadow;
  }

  /** The fault path of the second-level tables, or null (native). */
  public EptFaultPath faults() {
    return faults;
  }

  /** Where the guest's page tables live: guest-physical, or host-physical natively. */
  public long guestTablesAddress() {
    return mode == TranslationMode.NATIVE ? NATIVE_TABLES_HPA : guestTablesGpa;
  }

  /** What guest-physical 0 is to the guest's page table: 0, or host-physical natively. */
  public long guestPhysicalBase() {
    return mode == TranslationMode.NATIVE ? HOST_OFFSET : 0;
  }

  /** Memslot registration: the fault design may build the second-level tables now. */
  public void register() {
    design.atRegistration(this);
  }

  /** Pre-population of guest RAM (the design's choice); reports its set-up time. */
  void prepopulateRam() {
    if (ept == null) {
      return; // shadow tables are built once the guest has page tables
    }
    long installCycles = ept.prepopulate(ram);
    // One thread (the ioctl's caller) zeroes the pinned memory at its own store rate.
    long zeroRate =
        Math.min(profile.dram().zeroingBytesPerSecond(), profile.dram().bandwidthBytesPerSecond());
    double seconds =
        (double) installCycles / profile.frequency().baseHz() + (double) ram.bytes() / zeroRate;
    kvmStats
        .group("setup")
        .formula(
            "prepopulate_seconds",
            Unit.SECONDS,
            "Time to map and zero all of guest RAM before the guest starts",
            () -> seconds);
  }

  /**
   * KVM_PRE_FAULT_MEMORY: each vCPU maps an equal share of guest RAM (4 KiB aligned), all at once;
   * {@code start} runs when the last share is mapped.
   */
  void prefaultShares(Runnable start) {
    long share = ram.bytes() / vcpus / 4096 * 4096;
    int[] left = {vcpus};
    long[] doneAt = {0};
    kvmStats
        .group("setup")
        .formula(
            "prefault_seconds",
            Unit.SECONDS,
            "Time until the vCPUs had prefaulted their shares of guest RAM",
            () -> (double) doneAt[0] / profile.frequency().baseHz());
    for (int i = 0; i < vcpus; i++) {
      faults.prefault(
          i,
          (long) i * share,
          (long) (i + 1) * share,
          () -> {
            if (--left[0] == 0) {
              doneAt[0] = kernel.now();
              start.run();
            }
          });
    }
  }

  /**
   * The guest built its page table (at boot): its table pages are guest memory, in a memslot of
   * their own with RAM's backing, resident and (with EPT) mapped, as the guest touched them at
   * boot.
   */
  public void guestBooted(PageTable table) {
    this.guestTable = table;
    if (mode == TranslationMode.NATIVE) {
      return;
    }
    long page = backing.pageBytes();
    long used = table.memory().endAddress() - guestTablesGpa;
    long span = Math.max(page, (used + page - 1) / page * page);
    Memslot tables =
        host.add(new Memslot(1, guestTablesGpa, span, guestTablesGpa + HOST_OFFSET, backing));
    if (ept != null) {
      ept.prepopulate(tables);
    } else {
      host.pinAll(tables);
      StatGroup shadowStats = kvmStats.group("shadow");
      shadow = new ShadowTables(host, table, levels, shadowStats);
      faults = faultPath(shadow, shadowStats);
    }
  }

  /**
   * The guest mapped [linear, linear + length) in its page table: a design that builds ahead builds
   * the shadow entries now.
   */
  public void guestMapped(long linear, long length) {
    if (shadow != null && !design.faultsOnDemand()) {
      shadow.build(linear, length);
    }
  }

  /** The guest wrote the page-table entry of {@code linear} (shadow paging traps the write). */
  public void guestPteWritten(long linear) {
    if (shadow != null) {
      shadow.guestPteWritten(linear, !design.faultsOnDemand());
    }
  }

  /** Bytes of the guest's page tables. */
  public long guestTableBytes() {
    return guestTable == null ? 0 : guestTable.memory().bytes();
  }

  /** Bytes of EPT tables (0 unless EPT). */
  public long eptTableBytes() {
    return ept == null ? 0 : ept.tableBytes();
  }

  /** Registers the VM's page-table statistics under {@code page_tables}. */
  public void reportTables(StatGroup vmStats) {
    StatGroup tables = vmStats.group("page_tables");
    tables.gauge(
        "guest_bytes", Unit.BYTES, "Memory held by the guest's page tables", this::guestTableBytes);
    tables.gauge(
        "ept_bytes", Unit.BYTES, "Memory held by the EPT (TDP) tables", this::eptTableBytes);
    tables.gauge(
        "shadow_bytes", Unit.BYTES, "Memory held by shadow page tables", this::shadowTableBytes);
    tables.gauge(
        "total_bytes",
        Unit.BYTES,
        "Memory held by all page tables of this VM",
        this::totalTableBytes);
    double gib = (double) ram.bytes() / ByteSize.GIB;
    tables.formula(
        "total_bytes_per_gib",
        Unit.BYTES.per("GiB"),
        "Page-table memory per GiB of guest RAM",
        () -> totalTableBytes() / gib);
  }

  /** Bytes of shadow tables (0 unless shadow). */
  public long shadowTableBytes() {
    return shadow == null ? 0 : shadow.tableBytes();
  }

  /** Every byte of paging structures the VM needs. */
  public long totalTableBytes() {
    return guestTableBytes() + eptTableBytes() + shadowTableBytes();
  }

  /** The MMU of vCPU {@code i}, over this VM's tables in the paging mode's way. */
  public Mmu mmu(int i, MemoryHierarchy memory, long seed, StatGroup stats) {
    Mmu m =
        switch (mode) {
          case NESTED -> new Mmu(profile, mode, guestTable, ept.table(), true, memory, seed, stats);
          case SHADOW -> new Mmu(profile, mode, shadow.table(), null, true, memory, seed, stats);
          case NATIVE -> new Mmu(profile, mode, guestTable, null, true, memory, seed, stats);
        };
    m.setContext(mode == TranslationMode.NESTED ? 1 : 0, mode == TranslationMode.NATIVE ? 0 : 1, 0);
    if (ept != null) {
      ept.attach(m);
    }
    mmus.add(m);
    return m;
  }

  /**
   * What a guest-linear address translates to according to the tables themselves, read in software
   * with no caching (the checking mode's reference), or -1.
   */
  public LongUnaryOperator reference() {
    PageTable guest = guestTable;
    return switch (mode) {
      case NATIVE -> guest::translate;
      case NESTED ->
          va -> {
            long gpa = guest.translate(va);
            return gpa < 0 ? -1 : ept.table().translate(gpa);
          };
      case SHADOW ->
          va -> {
            long gpa = guest.translate(va);
            Memslot s = gpa < 0 ? null : host.slotOf(gpa);
            return s == null ? -1 : s.hpa(gpa);
          };
    };
  }
}
