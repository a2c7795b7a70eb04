package dev.vsim.hypervisor.mmu;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.sync.RwLock;
import dev.vsim.hypervisor.memory.Memslot;

/**
 * The migration thread's side of dirty logging: it enables logging on a memslot, harvests the dirty
 * log at a fixed interval while the guest runs, and at the end stops logging, which restores the
 * huge mappings (the migration failed, or the guest stays on this host). Each operation holds the
 * MMU lock for its cycles, in the fault design's mode (exclusive for the legacy design), so the
 * vCPUs' faults wait behind it as they do in KVM.
 */
public final class DirtyLogger implements EventHandler {
  private static final long ENABLE = 0;
  private static final long HARVEST = 1;
  private static final long DISABLE = 2;
  private static final long LOCKED = 4;
  private static final long RELEASE = 8;

  private final EventKernel kernel;
  private final Ept ept;
  private final RwLock lock;
  private final boolean exclusive;
  private final Memslot slot;
  private final DirtyLogMode mode;
  private final boolean eagerSplit;
  private final long intervalCycles;
  private final boolean rebuildHuge;
  private boolean stopping;
  private long stoppedAt = -1; // when the guest was done
  private long lastHarvestAt = -1; // when the last harvest read the log
  private boolean stopped;
  private long nextHarvest = -1;
  private final long[] cycles = new long[1];

  private long[] everDirty = new long[0];
  private long distinct;
  private final Counter harvests;
  private final Counter dirtyPages;
  private final Counter heldCycles;

  /**
   * @param design the fault design, which says how the lock is taken and how huge pages come back
   * @param intervalCycles time between two harvests
   * @param stats the VM's dirty-logging group ({@code vm0.kvm.dirty_log})
   */
  public DirtyLogger(
      EventKernel kernel,
      Ept ept,
      RwLock lock,
      FaultDesign design,
      Memslot slot,
      DirtyLogMode mode,
      boolean eagerSplit,
      long intervalCycles,
      StatGroup stats) {
    if (intervalCycles < 1) {
      throw new IllegalArgumentException("the harvest interval must be positive");
    }
    this.kernel = kernel;
    this.ept = ept;
    this.lock = lock;
    this.exclusive = design.lockMode() == FaultDesign.LockMode.WRITE;
    this.slot = slot;
    this.mode = mode;
    this.eagerSplit = eagerSplit;
    this.intervalCycles = intervalCycles;
    this.rebuildHuge = design.restoresHugePagesAtOnce();
    harvests =
        stats.counter("harvests", Unit.COUNT, "KVM_GET_DIRTY_LOG calls of the migration thread");
    dirtyPages =
        stats.counter(
            "dirty_pages_harvested", Unit.COUNT, "4 KiB pages reported dirty, over all harvests");
    heldCycles =
        stats.counter(
            "lock_held_cycles", Unit.CYCLES, "cycles the migration thread held the MMU lock");
    // A page may be reported again if the guest writes it after it was marked but before the
    // harvest that re-protects it completes; the distinct count is the set of pages written.
    stats.gauge(
        "distinct_dirty_pages",
        Unit.COUNT,
        "distinct 4 KiB pages ever reported dirty",
        () -> distinct);
  }

  /** Enables logging now; harvests follow every interval until {@link #stop}. */
  public void start() {
    acquire(ENABLE);
  }

  /** Harvests one last time and disables logging. */
  public void stop() {
    stopping = true;
    stoppedAt = kernel.now();
    if (nextHarvest >= 0) {
      kernel.cancel(nextHarvest);
      nextHarvest = -1;
      acquire(HARVEST);
    }
  }

  public boolean isStopped() {
    return stopped;
  }

  private void acquire(long op) {
    if (exclusive) {
      lock.acquireWrite(this, op | LOCKED);
    } else {
      lock.acquireRead(this, op | LOCKED);
    }
  }

  @Override
  public void onEvent(long now, long arg) {
    long op = arg & 3;
    if ((arg & LOCKED) != 0) {
      long spent;
      if (op == ENABLE) {
        spent = ept.enableDirtyLogging(slot, mode, eagerSplit);
      } else if (op == HARVEST) {
        lastHarvestAt = now;
        long[] bits = ept.harvestDirtyLog(cycles);
        spent = cycles[0];
        harvests.increment();
        if (everDirty.length < bits.length) {
          everDirty = java.util.Arrays.copyOf(everDirty, bits.length);
        }
        for (int i = 0; i < bits.length; i++) {
          dirtyPages.add(Long.bitCount(bits[i]));
          distinct += Long.bitCount(bits[i] & ~everDirty[i]);
          everDirty[i] |= bits[i];
        }
      } else {
        spent = ept.disableDirtyLogging(rebuildHuge);
      }
      heldCycles.add(spent);
      kernel.schedule(now + spent, this, op | RELEASE);
      return;
    }
    if ((arg & RELEASE) != 0) {
      if (exclusive) {
        lock.releaseWrite();
      } else {
        lock.releaseRead();
      }
      if (op == DISABLE) {
        stopped = true;
      } else if (stopping) {
        // A last harvest that read the log after the guest was done, then disable (a harvest
        // under way when the guest finished may have missed its last writes).
        acquire(op == HARVEST && lastHarvestAt >= stoppedAt ? DISABLE : HARVEST);
      } else {
        nextHarvest = kernel.schedule(now + intervalCycles, this, HARVEST);
      }
      return;
    }
    nextHarvest = -1;
    acquire(op); // the interval elapsed: harvest
  }
}
