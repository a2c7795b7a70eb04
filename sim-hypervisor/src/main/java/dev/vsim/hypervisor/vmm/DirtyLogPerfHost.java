package dev.vsim.hypervisor.vmm;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.sync.RwLock;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.cpu.vmx.VmExit;
import dev.vsim.hypervisor.memory.Memslot;
import dev.vsim.hypervisor.mmu.DirtyLogMode;
import dev.vsim.hypervisor.mmu.Ept;
import dev.vsim.hypervisor.mmu.FaultDesign;
import java.util.List;

/**
 * The main thread of the kvm selftest {@code dirty_log_perf_test}: it lets the vCPUs populate their
 * memory (iteration 0), enables dirty logging on the test memslot, then for each iteration lets
 * every vCPU dirty its memory once and gets the dirty log (and, with manual protect, clears it),
 * and at the end disables dirty logging. A vCPU ends each pass with a ucall (GUEST_SYNC, an I/O
 * exit to user space) and waits there until the next iteration starts. Each phase is timed as the
 * selftest times it, from the host's clock: the ioctls hold the MMU lock as KVM takes it.
 */
public final class DirtyLogPerfHost implements UserspaceExit, EventHandler {
  private static final long SYNCED = 0;
  private static final long LOCKED = 1;
  private static final long DONE = 2;
  private static final int SHIFT = 2;

  private static final int ENABLE = 0;
  private static final int GET = 1;
  private static final int CLEAR = 2;
  private static final int DISABLE = 3;

  /**
   * The selftest's options that the host side uses.
   *
   * @param iterations {@code -i}: dirty-memory iterations after the populate pass (at least 2)
   * @param manualProtect KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 with KVM_DIRTY_LOG_INITIALLY_SET (the
   *     default where KVM has it; {@code -g} turns it off)
   * @param mode how KVM tracks writes (PML dirty bits or write protection)
   * @param eagerSplit kvm.eager_page_split
   * @param userspaceExitCycles a ucall's return from KVM_RUN and the next KVM_RUN
   * @param hz cycles per second, for the times in seconds
   */
  public record Params(
      int iterations,
      boolean manualProtect,
      DirtyLogMode mode,
      boolean eagerSplit,
      long userspaceExitCycles,
      long hz) {
    public Params {
      if (iterations < 2) {
        throw new IllegalArgumentException("the test should have at least two iterations");
      }
    }
  }

  private final EventKernel kernel;
  private final Ept ept;
  private final RwLock lock;
  private final FaultDesign design;
  private final Memslot slot;
  private final List<Vcpu> vcpus;
  private final Params params;
  private final long[] cycles = new long[1];

  private int iteration; // 0: populating
  private int synced;
  private long phaseStart; // the populate pass starts with the vCPUs, at time 0
  private long populate;
  private long enable;
  private final long[] dirtyMemory;
  private final long[] getLog;
  private final long[] clearLog;
  private long disable;
  private long[] bitmap;
  private long dirtyPages;
  private boolean finished;

  /**
   * @param stats where the phase times go ({@code vm0.dirty_log_perf})
   */
  public DirtyLogPerfHost(
      EventKernel kernel,
      Ept ept,
      RwLock lock,
      FaultDesign design,
      Memslot slot,
      List<Vcpu> vcpus,
      Params params,
      StatGroup stats) {
    this.kernel = kernel;
    this.ept = ept;
    this.lock = lock;
    this.design = design;
    this.slot = slot;
    this.vcpus = List.copyOf(vcpus);
    this.params = params;
    int n = params.iterations();
    dirtyMemory = new long[n + 1];
    getLog = new long[n + 1];
    clearLog = new long[n + 1];
    seconds(stats, "populate_memory_seconds", "Populate memory time", () -> populate);
    seconds(stats, "enable_dirty_logging_seconds", "Enabling dirty logging time", () -> enable);
    for (int i = 1; i <= n; i++) {
      int at = i;
      StatGroup g = stats.group("iteration" + i);
      seconds(
          g,
          "dirty_memory_seconds",
          "Iteration " + i + " dirty memory time",
          () -> dirtyMemory[at]);
      seconds(
          g, "get_dirty_log_seconds", "Iteration " + i + " get dirty log time", () -> getLog[at]);
      if (params.manualProtect()) {
        seconds(
            g,
            "clear_dirty_log_seconds",
            "Iteration " + i + " clear dirty log time",
            () -> clearLog[at]);
      }
    }
    seconds(
        stats,
        "get_dirty_log_total_seconds",
        "Get dirty log over " + n + " iterations",
        () -> sum(getLog));
    if (params.manualProtect()) {
      seconds(
          stats,
          "clear_dirty_log_total_seconds",
          "Clear dirty log over " + n + " iterations",
          () -> sum(clearLog));
    }
    seconds(stats, "disable_dirty_logging_seconds", "Disabling dirty logging time", () -> disable);
    stats.gauge(
        "dirty_pages",
        Unit.COUNT,
        "4 KiB pages the dirty logs reported, over all iterations",
        () -> dirtyPages);
  }

  private void seconds(StatGroup g, String name, String what, java.util.function.LongSupplier c) {
    g.formula(
        name,
        Unit.SECONDS,
        what + " (as the selftest prints it)",
        () -> (double) c.getAsLong() / params.hz());
  }

  private static long sum(long[] a) {
    long s = 0;
    for (long x : a) {
      s += x;
    }
    return s;
  }

  /** Whether dirty logging was disabled and the vCPUs were told to quit. */
  public boolean isFinished() {
    return finished;
  }

  @Override
  public void exited(Vcpu vcpu, VmExit exit) {
    UserspaceExit.requireSync(exit, "dirty_log_perf_test");
    // KVM_RUN returns to the vCPU thread, which records the iteration it completed.
    kernel.schedule(kernel.now() + params.userspaceExitCycles(), this, SYNCED);
  }

  @Override
  public void onEvent(long now, long arg) {
    int op = (int) (arg >>> SHIFT);
    switch ((int) (arg & ((1 << SHIFT) - 1))) {
      case (int) SYNCED -> {
        if (++synced < vcpus.size()) {
          return;
        }
        synced = 0;
        if (iteration == 0) {
          populate = now - phaseStart;
          start(ENABLE, now);
        } else {
          dirtyMemory[iteration] = now - phaseStart;
          start(GET, now);
        }
      }
      case (int) LOCKED -> {
        long spent = run(op);
        kernel.schedule(now + spent, this, ((long) op << SHIFT) | DONE);
      }
      case (int) DONE -> {
        if (holdsLock(op) != 0) {
          if (holdsLock(op) > 0) {
            lock.releaseWrite();
          } else {
            lock.releaseRead();
          }
        }
        finishPhase(op, now);
      }
      default -> throw new IllegalStateException("unknown phase " + arg);
    }
  }

  /** 1: the ioctl takes the MMU lock for write, -1: for read, 0: not at all. */
  private int holdsLock(int op) {
    return switch (op) {
      // kvm_get_dirty_log_protect and kvm_clear_dirty_log_protect: KVM_MMU_LOCK, for write; a
      // manual-protect get only copies the bitmap.
      case GET -> params.manualProtect() ? 0 : 1;
      case CLEAR -> 1;
      // Enabling and disabling in kvm_mmu_slot_apply_flags: the fault design's mode (the TDP MMU
      // write-protects, splits and recovers huge pages under the lock held for read).
      default -> design.lockMode() == FaultDesign.LockMode.WRITE ? 1 : -1;
    };
  }

  private void start(int op, long now) {
    phaseStart = now;
    long arg = ((long) op << SHIFT) | LOCKED;
    int mode = holdsLock(op);
    if (mode > 0) {
      lock.acquireWrite(this, arg);
    } else if (mode < 0) {
      lock.acquireRead(this, arg);
    } else {
      kernel.schedule(now, this, arg);
    }
  }

  private long run(int op) {
    return switch (op) {
      case ENABLE ->
          ept.enableDirtyLogging(slot, params.mode(), params.eagerSplit(), params.manualProtect());
      case GET -> {
        bitmap = params.manualProtect() ? ept.copyDirtyLog(cycles) : ept.harvestDirtyLog(cycles);
        for (long w : bitmap) {
          dirtyPages += Long.bitCount(w);
        }
        yield cycles[0];
      }
      case CLEAR -> ept.clearDirtyLog(bitmap);
      default -> ept.disableDirtyLogging(design.restoresHugePagesAtOnce());
    };
  }

  private void finishPhase(int op, long now) {
    long took = now - phaseStart;
    switch (op) {
      case ENABLE -> {
        enable = took;
        nextIteration(now);
      }
      case GET -> {
        getLog[iteration] = took;
        if (params.manualProtect()) {
          start(CLEAR, now);
        } else {
          nextIteration(now);
        }
      }
      case CLEAR -> {
        clearLog[iteration] = took;
        nextIteration(now);
      }
      default -> {
        disable = took;
        finished = true;
        for (Vcpu v : vcpus) {
          v.wake(); // host_quit: the vCPU threads leave, the guest code is done
        }
      }
    }
  }

  private void nextIteration(long now) {
    if (iteration == params.iterations()) {
      start(DISABLE, now);
      return;
    }
    iteration++;
    phaseStart = now;
    for (Vcpu v : vcpus) {
      v.wake(); // KVM_RUN again: the next pass over the vCPU's memory
    }
  }
}
