package dev.vsim.hypervisor.mmu;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.DramBandwidth;
import dev.vsim.cpu.profile.MmuCosts;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.sync.RwLock;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.hypervisor.memory.Memslot;
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
  private static final int PHASES = 8;

  private final EventKernel kernel;
  private final MmuCosts costs;
  private final FaultDesign design;
  private final SecondLevelTables ept;
  private final RwLock lock;
  private final DramBandwidth bandwidth;
  private final long zeroingBytesPerSecond;

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

  private final Counter faults;
  private final Counter racesLost;
  private final Counter hostPagesAllocated;
  private final Counter prefaulted;
  private final Counter[] vcpuFaults;
  private final Histogram faultCycles = new Histogram(3);

  /**
   * @param vcpuCount number of vCPUs of the VM
   * @param stats the VM's KVM group ({@code vm0.kvm}); the lock's statistics go to {@code
   *     mmu_lock}, the fault path's to {@code ept_faults}
   */
  public EptFaultPath(
      EventKernel kernel,
      MmuCosts costs,
      FaultDesign design,
      SecondLevelTables ept,
      DramBandwidth bandwidth,
      long zeroingBytesPerSecond,
      int vcpuCount,
      StatGroup stats) {
    this.kernel = kernel;
    this.costs = costs;
    this.design = design;
    this.ept = ept;
    this.bandwidth = bandwidth;
    this.zeroingBytesPerSecond = zeroingBytesPerSecond;
    this.lock = new RwLock(kernel, costs.lockHandoffCycles(), stats.group("mmu_lock"));
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
    nextPrefault(v);
  }

  private void nextPrefault(int v) {
    while (prefaultNext[v] < prefaultEnd[v]) {
      long at = prefaultNext[v];
      Memslot s = ept.host().slotOf(at);
      long size = s == null ? 4096 : ept.mapSize(s, at).bytes();
      prefaultNext[v] = (at & ~(size - 1)) + size;
      if (s != null && !ept.isMapped(at)) {
        prefaulted.increment();
        begin(v, s, at, true, 0);
        return;
      }
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
    long zero = ept.host().faultIn(s, ept.gpaOf(faultGpa));
    if (zero > 0) {
      hostPagesAllocated.increment();
      // Allocate, then clear the page at one core's store rate, sharing the memory bandwidth.
      kernel.schedule(now + costs.hostPageAllocCycles(), this, v * PHASES + ZERO);
      return;
    }
    kernel.schedule(now + costs.gupResidentCycles(), this, v * PHASES + FAULTED_IN);
  }

  @Override
  public void onEvent(long now, long arg) {
    int v = (int) (arg / PHASES);
    switch ((int) (arg % PHASES)) {
      case ZERO -> {
        long bytes = slot[v].backing().pageBytes();
        bandwidth.start(bytes, zeroingBytesPerSecond, this, (long) v * PHASES + FAULTED_IN);
      }
      case FAULTED_IN -> {
        boolean exclusive = design.lockMode() == FaultDesign.LockMode.WRITE;
        holdsWrite[v] = exclusive;
        if (exclusive) {
          lock.acquireWrite(this, (long) v * PHASES + LOCKED);
        } else {
          lock.acquireRead(this, (long) v * PHASES + LOCKED);
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
        } else {
          kernel.schedule(now + costs.mapUnderLockCycles(), this, (long) v * PHASES + INSTALL);
        }
      }
      case INSTALL -> {
        if (ept.install(slot[v], gpa[v], write[v])) {
          release(v, now);
        } else {
          racesLost.increment(); // the compare-exchange failed: the fault is retried
          kernel.schedule(now + costs.raceRetryCycles(), this, (long) v * PHASES + RELEASED);
        }
      }
      case RELEASED -> release(v, now);
      case WP_DONE -> finish(v, now);
      default -> throw new IllegalStateException("unknown fault phase " + arg);
    }
  }

  private void release(int v, long now) {
    if (holdsWrite[v]) {
      lock.releaseWrite();
    } else {
      lock.releaseRead();
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
