package dev.vsim.hypervisor.mmu;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.DramBandwidth;
import dev.vsim.cpu.memory.NumaNodes;
import dev.vsim.cpu.profile.HostMmCosts;
import dev.vsim.cpu.profile.MmuCosts;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.sync.CacheLines;
import dev.vsim.cpu.sync.LineDistance;
import dev.vsim.cpu.sync.RwLock;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.hypervisor.memory.HostPageFault;
import dev.vsim.hypervisor.memory.Memslot;
import dev.vsim.mmu.pagetable.PageSize;
import org.HdrHistogram.Histogram;

/**
 * KVM's EPT-violation handler, step by step for each vCPU: the fault entry, faulting the host page
 * in (allocating and zeroing it if it is not resident, the zeroing sharing memory bandwidth with
 * everything else), taking the MMU lock in the {@link FaultDesign}'s mode, the work under the lock
 * and the SPTE install, then the release and the return to the guest. Under {@link
 * FaultDesign#TDP_MMU} faults hold the lock for read and install by compare-exchange: a fault that
 * finds the SPTE installed by another when it gets to install loses the race and retries. The same
 * path serves KVM_PRE_FAULT_MEMORY (no exit, no guest to return to).
 *
 * <p>The host kernel's part (KVM's MMU page cache top-up, get_user_pages, the host page fault with
 * what it shares between threads) is {@link HostPageFault}'s. Under the TDP MMU a fault whose walk
 * finds the last-level table missing links a new one by compare-exchange; if another vCPU linked it
 * first, the fault frees its page and is retried. Every SPTE install writes the SPTE's cache line
 * (eight SPTEs), which moves over when another core wrote it last ({@link CacheLines}).
 *
 * <p>The vCPU is blocked in the hypervisor for the whole handler: its exit round trip includes the
 * waiting.
 */
public final class EptFaultPath implements EventHandler {
  private static final int FAULTED_IN = 0;
  private static final int LOCKED = 1;
  private static final int INSTALL = 2;
  private static final int RELEASED = 3;
  private static final int WP_DONE = 4;
  private static final int ZERO = 5;
  private static final int LINK = 6;
  private static final int PHASES = 8;
  // SPTE lines the directory tracks: far more than the vCPUs fault into at once.
  private static final int SPTE_LINES_TRACKED = 1 << 14;

  private final EventKernel kernel;
  private final MmuCosts costs;
  private final FaultDesign design;
  private final SecondLevelTables ept;
  private final RwLock lock;
  private final NumaNodes memory;
  private final long zeroingBytesPerSecond;
  private final HostPageFault hostFault;
  private final MmuPageCache mmuPages;
  private final CacheLines spteLines;

  // Per vCPU: the fault in progress.
  private final Vcpu[] vcpus;
  private final long[] gpa;
  private final boolean[] write;
  private final Memslot[] slot;
  private final long[] started;
  private final boolean[] holdsWrite;
  private final boolean[] splitting;
  private final Runnable[] prefaultDone;
  private final long[] prefaultNext;
  private final long[] prefaultEnd;
  private final boolean[] prefaultBegun; // whether this KVM_PRE_FAULT_MEMORY began a page yet
  private final int[] cpu;
  private final long[] linking; // the table a vCPU's fault has linked and not yet filled, or -1

  private final Counter faults;
  private final Counter racesLost;
  private final Counter hostPagesAllocated;
  private final Counter prefaulted;
  private final Counter linkRaces;
  private final Counter[] vcpuFaults;
  private final Histogram faultCycles = new Histogram(3);

  /**
   * @param hostFault the host kernel's side of the VM's faults
   * @param vcpuCount number of vCPUs of the VM
   * @param stats the VM's KVM group ({@code vm0.kvm}); the lock's statistics go to {@code
   *     mmu_lock}, the fault path's to {@code ept_faults}, the MMU page caches' to {@code
   *     mmu_page_cache}
   */
  public EptFaultPath(
      EventKernel kernel,
      MmuCosts costs,
      HostMmCosts hostMm,
      FaultDesign design,
      SecondLevelTables ept,
      DramBandwidth bandwidth,
      long zeroingBytesPerSecond,
      HostPageFault hostFault,
      int vcpuCount,
      StatGroup stats) {
    this(
        kernel,
        costs,
        hostMm,
        design,
        ept,
        new NumaNodes(bandwidth),
        LineDistance.flat(costs.lockHandoffCycles()),
        LineDistance.flat(hostMm.cacheLineTransferCycles()),
        zeroingBytesPerSecond,
        hostFault,
        vcpuCount,
        stats);
  }

  /**
   * As above on a NUMA host: a new page is zeroed through the memory of the node it is placed on,
   * the MMU lock is handed over and the SPTE lines move at costs by distance.
   */
  public EptFaultPath(
      EventKernel kernel,
      MmuCosts costs,
      HostMmCosts hostMm,
      FaultDesign design,
      SecondLevelTables ept,
      NumaNodes memory,
      LineDistance lockHandoff,
      LineDistance lineTransfer,
      long zeroingBytesPerSecond,
      HostPageFault hostFault,
      int vcpuCount,
      StatGroup stats) {
    this.kernel = kernel;
    this.hostFault = hostFault;
    this.mmuPages =
        new MmuPageCache(
            hostMm.mmuPageCacheMin(),
            hostMm.mmuPageCacheCapacity(),
            vcpuCount,
            stats.group("mmu_page_cache"));
    this.spteLines =
        new CacheLines(
            SPTE_LINES_TRACKED, lineTransfer, stats.group("ept_faults").group("spte_lines"));
    this.costs = costs;
    this.design = design;
    this.ept = ept;
    this.memory = memory;
    this.zeroingBytesPerSecond = zeroingBytesPerSecond;
    this.lock = new RwLock(kernel, lockHandoff, stats.group("mmu_lock"));
    vcpus = new Vcpu[vcpuCount];
    gpa = new long[vcpuCount];
    write = new boolean[vcpuCount];
    slot = new Memslot[vcpuCount];
    started = new long[vcpuCount];
    holdsWrite = new boolean[vcpuCount];
    splitting = new boolean[vcpuCount];
    prefaultDone = new Runnable[vcpuCount];
    prefaultNext = new long[vcpuCount];
    prefaultEnd = new long[vcpuCount];
    prefaultBegun = new boolean[vcpuCount];
    cpu = new int[vcpuCount];
    linking = new long[vcpuCount];
    for (int i = 0; i < vcpuCount; i++) {
      cpu[i] = i; // until a vCPU faults: KVM_PRE_FAULT_MEMORY runs vCPU i on the i-th thread
      linking[i] = -1;
    }
    StatGroup g = stats.group("ept_faults");
    faults = g.counter("count", Unit.COUNT, "EPT violations (or shadow faults) handled");
    racesLost =
        g.counter(
            "races_lost",
            Unit.COUNT,
            "Faults found already fixed, or retried, because another vCPU got there first");
    hostPagesAllocated =
        g.counter("host_pages_allocated", Unit.COUNT, "Host pages allocated and zeroed by faults");
    prefaulted =
        g.counter(
            "prefaulted_pages",
            Unit.COUNT,
            "Pages mapped ahead of any fault by KVM_PRE_FAULT_MEMORY");
    linkRaces =
        g.counter(
            "table_link_races",
            Unit.COUNT,
            "Faults retried because another vCPU linked the table they were linking first");
    vcpuFaults = new Counter[vcpuCount];
    for (int i = 0; i < vcpuCount; i++) {
      vcpuFaults[i] =
          stats
              .group("ept_faults")
              .group("vcpu" + i)
              .counter("count", Unit.COUNT, "Faults this vCPU took");
    }
    g.distribution(
        "cycles",
        Unit.CYCLES,
        "Cycles from the exit to the fault being fixed, per fault",
        faultCycles);
    g.gauge(
        "cycles_p50",
        Unit.CYCLES,
        "Median cycles to fix a fault",
        () -> faultCycles.getValueAtPercentile(50));
    g.gauge(
        "cycles_p99",
        Unit.CYCLES,
        "99th percentile of the cycles to fix a fault",
        () -> faultCycles.getValueAtPercentile(99));
    g.gauge("cycles_max", Unit.CYCLES, "Most cycles to fix a fault", faultCycles::getMaxValue);
    g.formula("cycles_mean", Unit.CYCLES, "Mean cycles to fix a fault", faultCycles::getMean);
  }

  public RwLock lock() {
    return lock;
  }

  public FaultDesign design() {
    return design;
  }

  /**
   * Handles an EPT violation exit of {@code vcpu} on {@code faultGpa}: blocks the vCPU and wakes it
   * when the handler is done.
   *
   * @return cycles of the handler's first step (the fault entry)
   */
  public long handle(Vcpu vcpu, long faultGpa, boolean isWrite) {
    int v = vcpu.index();
    long behind = ept.gpaOf(faultGpa);
    Memslot s = behind < 0 ? null : ept.host().slotOf(behind);
    if (s == null) {
      throw new IllegalStateException(
          "EPT violation at 0x" + Long.toHexString(faultGpa) + " outside every memslot (MMIO)");
    }
    if (!design.faultsOnDemand() && !ept.isLogging()) {
      throw new IllegalStateException(
          "EPT violation on a pre-populated EPT at 0x" + Long.toHexString(faultGpa));
    }
    vcpus[v] = vcpu;
    cpu[v] = vcpu.pcpu();
    prefaultDone[v] = null;
    faults.increment();
    vcpuFaults[v].increment();
    vcpu.block();
    begin(v, s, faultGpa, isWrite, costs.faultEntryCycles());
    return 0;
  }

  /**
   * KVM_PRE_FAULT_MEMORY on vCPU {@code v}: maps [from, to) page by page through the fault path
   * without exits, then runs {@code done}.
   */
  public void prefault(int v, long from, long to, Runnable done) {
    vcpus[v] = null;
    prefaultDone[v] = done;
    prefaultNext[v] = from;
    prefaultEnd[v] = to;
    prefaultBegun[v] = false;
    nextPrefault(v);
  }

  private void nextPrefault(int v) {
    while (prefaultNext[v] < prefaultEnd[v]) {
      long at = prefaultNext[v];
      Memslot s = ept.host().slotOf(at);
      if (s != null && !ept.isMapped(at)) {
        // A fault that lost a race leaves the page unmapped: it is retried, as KVM's
        // kvm_tdp_map_page loops on RET_PF_RETRY.
        if (!prefaultBegun[v] || gpa[v] != at) {
          prefaulted.increment();
        }
        prefaultBegun[v] = true;
        begin(v, s, at, true, 0);
        return;
      }
      long size = s == null ? 4096 : ept.mapSize(s, at).bytes();
      prefaultNext[v] = (at & ~(size - 1)) + size;
    }
    Runnable done = prefaultDone[v];
    prefaultDone[v] = null;
    done.run();
  }

  private void begin(int v, Memslot s, long faultGpa, boolean isWrite, long entryCycles) {
    gpa[v] = faultGpa;
    write[v] = isWrite;
    slot[v] = s;
    started[v] = kernel.now();
    splitting[v] = false;
    long now = kernel.now() + entryCycles;
    if (isWrite && ept.isWriteProtected(faultGpa)) {
      // Dirty logging: the fast path fixes a write-protected 4 KiB SPTE without the lock; a huge
      // one goes to the slow path, which maps the faulting 4 KiB page under the lock.
      if (!ept.needsSplit(faultGpa)) {
        long c = ept.writeProtectFault(s, faultGpa);
        kernel.schedule(now + c, this, v * PHASES + WP_DONE);
        return;
      }
      splitting[v] = true;
      kernel.schedule(now + costs.gupResidentCycles(), this, v * PHASES + FAULTED_IN);
      return;
    }
    boolean allocates = ept.host().faultIn(s, ept.gpaOf(faultGpa), cpu[v]) > 0;
    hostFault.placeOn(v, ept.host().nodeOf(s, ept.gpaOf(faultGpa)));
    if (allocates) {
      hostPagesAllocated.increment();
    }
    // The host's side; an allocated page is then cleared at one core's store rate, sharing the
    // memory bandwidth.
    int phase = allocates ? ZERO : FAULTED_IN;
    int topup = mmuPages.topUp(v);
    hostFault.faultIn(v, cpu[v], s.backing(), allocates, topup, now, this, v * PHASES + phase);
  }

  @Override
  public void onEvent(long now, long arg) {
    int v = (int) (arg / PHASES);
    switch ((int) (arg % PHASES)) {
      case ZERO -> {
        long bytes = slot[v].backing().pageBytes();
        long then = hostFault.whenZeroed(v, this, (long) v * PHASES + FAULTED_IN);
        int node = ept.host().nodeOf(slot[v], ept.gpaOf(gpa[v]));
        memory.start(node, cpu[v], bytes, zeroingBytesPerSecond, hostFault, then);
      }
      case FAULTED_IN -> {
        boolean exclusive = design.lockMode() == FaultDesign.LockMode.WRITE;
        holdsWrite[v] = exclusive;
        if (exclusive) {
          lock.acquireWrite(this, (long) v * PHASES + LOCKED, cpu[v]);
        } else {
          lock.acquireRead(this, (long) v * PHASES + LOCKED, cpu[v]);
        }
      }
      case LOCKED -> {
        if (splitting[v] && !ept.needsSplit(gpa[v])) {
          // Another vCPU split or zapped the huge page meanwhile: return, the access retries.
          racesLost.increment();
          kernel.schedule(now + costs.raceRetryCycles(), this, (long) v * PHASES + RELEASED);
        } else if (splitting[v]) {
          long c = ept.hugePageWriteFault(slot[v], gpa[v], design.splitsHugePagesOnFault());
          kernel.schedule(now + c, this, (long) v * PHASES + RELEASED);
        } else if (holdsWrite[v] && ept.isMapped(gpa[v])) {
          // Another vCPU mapped it while this one waited: nothing to do but return.
          racesLost.increment();
          kernel.schedule(now + costs.raceRetryCycles(), this, (long) v * PHASES + RELEASED);
        } else if (!holdsWrite[v] && !tableLinked(v)) {
          // The walk gets as far as the missing table and links a new one by compare-exchange.
          kernel.schedule(now + costs.spteInstallCycles(), this, (long) v * PHASES + LINK);
        } else {
          kernel.schedule(now + costs.mapUnderLockCycles(), this, (long) v * PHASES + INSTALL);
        }
      }
      case LINK -> {
        if (tableLinked(v)) {
          // Another vCPU linked it since this walk began: this fault's table page is freed and
          // the fault retried.
          racesLost.increment();
          linkRaces.increment();
          kernel.schedule(now + costs.raceRetryCycles(), this, (long) v * PHASES + RELEASED);
        } else {
          linking[v] = tableOf(v);
          long rest = Math.max(0, costs.mapUnderLockCycles() - costs.spteInstallCycles());
          kernel.schedule(now + rest, this, (long) v * PHASES + INSTALL);
        }
      }
      case INSTALL -> {
        long tables = ept.tablePages();
        boolean installed = ept.install(slot[v], gpa[v], write[v]);
        linking[v] = -1;
        mmuPages.used(v, ept.tablePages() - tables);
        long done = spteLines.write(spteLine(v), cpu[v], now); // the SPTE's compare-exchange
        if (installed) {
          if (done > now) {
            kernel.schedule(done, this, (long) v * PHASES + RELEASED);
          } else {
            release(v, now);
          }
        } else {
          racesLost.increment(); // the compare-exchange failed: the fault is retried
          kernel.schedule(done + costs.raceRetryCycles(), this, (long) v * PHASES + RELEASED);
        }
      }
      case RELEASED -> release(v, now);
      case WP_DONE -> finish(v, now);
      default -> throw new IllegalStateException("unknown fault phase " + arg);
    }
  }

  /** Whether the table that will hold vCPU {@code v}'s SPTE is linked (or being linked). */
  private boolean tableLinked(int v) {
    if (ept.hasTableFor(slot[v], gpa[v])) {
      return true;
    }
    long table = tableOf(v);
    for (int w = 0; w < linking.length; w++) {
      if (w != v && linking[w] == table) {
        return true;
      }
    }
    return false;
  }

  /** The table page that holds the SPTE of vCPU {@code v}'s fault: its level and index. */
  private long tableOf(int v) {
    PageSize size = ept.mapSize(slot[v], gpa[v]);
    int shift = Long.numberOfTrailingZeros(size.bytes()) + 9;
    return ((long) size.level() << 56) | (gpa[v] >>> shift);
  }

  /** The cache line (eight SPTEs) that holds the SPTE of vCPU {@code v}'s fault. */
  private long spteLine(int v) {
    PageSize size = ept.mapSize(slot[v], gpa[v]);
    int shift = Long.numberOfTrailingZeros(size.bytes()) + 3;
    return ((long) size.level() << 56) | (gpa[v] >>> shift);
  }

  private void release(int v, long now) {
    if (holdsWrite[v]) {
      lock.releaseWrite();
    } else {
      lock.releaseRead(cpu[v]);
    }
    finish(v, now);
  }

  private void finish(int v, long now) {
    faultCycles.recordValue(now - started[v]);
    if (prefaultDone[v] != null) {
      nextPrefault(v);
    } else {
      vcpus[v].wake();
    }
  }

  /** Distribution of fault handling times, exit to wake-up (cycles; a copy). */
  public Histogram faultHistogram() {
    return faultCycles.copy();
  }
}
