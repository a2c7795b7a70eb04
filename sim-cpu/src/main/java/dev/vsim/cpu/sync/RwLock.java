package dev.vsim.cpu.sync;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import org.HdrHistogram.Histogram;

/**
 * A simulated queued reader-writer lock in the manner of Linux's qrwlock, which KVM's {@code
 * mmu_lock} is on x86: any number of readers or one writer hold it; waiters queue in FIFO order,
 * and a reader that arrives while anyone waits queues too, so a waiting writer is not starved. A
 * lock used only for writing is a queued mutex (spinlock). Waiting costs the waiter its time (KVM's
 * vCPU threads spin); handing the lock to the next waiter costs the transfer of the lock's cache
 * line: a flat {@code handoffCycles}, or by {@link LineDistance} from the hardware thread that
 * released it to the one the waiter spins on (the queue stays FIFO whatever the distance, as
 * qspinlock's MCS queue and qrwlock's wait queue are).
 *
 * <p>Callers ask for the lock with an event handler and an argument; when the lock is granted the
 * handler fires with that argument, as an event (at once if the lock was free, so a caller never
 * runs inside its own request). Hold and wait times go into histograms (cycles).
 */
public final class RwLock {
  private final EventKernel kernel;
  private final LineDistance distance;
  private int lastCpu = -1; // the thread that released the lock last, or -1 if not known
  private int writerCpu = -1;
  private final WaitQueue queue = new WaitQueue();
  private int readers;
  private boolean writerHolds;
  private long writeSince;
  private final Histogram waitCycles = new Histogram(3);
  private final Histogram writeHoldCycles = new Histogram(3);
  private final Counter acquisitions;
  private final Counter contended;
  private long readersSince;
  private long readHeldCycles;
  private long handoffCycles;
  private long handoffs;

  /**
   * @param handoffCycles cycles between a release and the next waiter running with the lock
   * @param stats group for this lock's statistics (e.g. {@code vm0.kvm.mmu_lock})
   */
  public RwLock(EventKernel kernel, long handoffCycles, StatGroup stats) {
    this(kernel, LineDistance.flat(handoffCycles), stats);
  }

  /**
   * A lock whose hand-off costs by the distance between the releasing and the next holder's
   * hardware threads.
   */
  public RwLock(EventKernel kernel, LineDistance distance, StatGroup stats) {
    this.kernel = kernel;
    this.distance = distance;
    this.acquisitions =
        stats.counter("acquisitions", Unit.COUNT, "Read and write acquisitions asked for");
    this.contended =
        stats.counter("contended", Unit.COUNT, "Acquisitions that had to wait for the lock");
    stats.distribution(
        "wait_cycles", Unit.CYCLES, "Cycles from asking for the lock to holding it", waitCycles);
    stats.distribution(
        "write_hold_cycles",
        Unit.CYCLES,
        "Cycles the lock was held for writing, per hold",
        writeHoldCycles);
    stats.gauge(
        "wait_cycles_total",
        Unit.CYCLES,
        "Cycles spent waiting for the lock, over all acquisitions",
        () -> (long) (waitCycles.getMean() * waitCycles.getTotalCount()));
    stats.gauge(
        "wait_cycles_p50",
        Unit.CYCLES,
        "Median wait for the lock",
        () -> waitCycles.getValueAtPercentile(50));
    stats.gauge(
        "wait_cycles_p90",
        Unit.CYCLES,
        "90th percentile of the wait for the lock",
        () -> waitCycles.getValueAtPercentile(90));
    stats.gauge(
        "wait_cycles_p99",
        Unit.CYCLES,
        "99th percentile of the wait for the lock",
        () -> waitCycles.getValueAtPercentile(99));
    stats.gauge(
        "wait_cycles_max", Unit.CYCLES, "Longest wait for the lock", waitCycles::getMaxValue);
    stats.gauge(
        "write_hold_cycles_p50",
        Unit.CYCLES,
        "Median time the lock was held for writing",
        () -> writeHoldCycles.getValueAtPercentile(50));
    stats.gauge(
        "write_hold_cycles_p99",
        Unit.CYCLES,
        "99th percentile of the time the lock was held for writing",
        () -> writeHoldCycles.getValueAtPercentile(99));
    stats.gauge(
        "write_hold_cycles_max",
        Unit.CYCLES,
        "Longest time the lock was held for writing",
        writeHoldCycles::getMaxValue);
    stats.gauge(
        "handoffs", Unit.COUNT, "Releases that handed the lock to a waiter", () -> handoffs);
    stats.gauge(
        "handoff_cycles",
        Unit.CYCLES,
        "Cycles between releases and the next holders running with the lock, over all hand-offs",
        () -> handoffCycles);
    stats.gauge(
        "read_held_cycles",
        Unit.CYCLES,
        "Cycles during which at least one reader held the lock",
        () -> readHeldCycles);
  }

  /** Asks for exclusive ownership; {@code granted.onEvent(now, arg)} fires when it is ours. */
  public void acquireWrite(EventHandler granted, long arg) {
    acquireWrite(granted, arg, -1);
  }

  /** Asks for exclusive ownership from hardware thread {@code cpu} (-1: not known). */
  public void acquireWrite(EventHandler granted, long arg, int cpu) {
    long now = kernel.now();
    acquisitions.increment();
    if (!writerHolds && readers == 0 && queue.isEmpty()) {
      grantWrite(now, now, granted, arg, cpu);
    } else {
      contended.increment();
      queue.add(granted, arg, now, true, cpu);
    }
  }

  /** Asks for shared ownership; {@code granted.onEvent(now, arg)} fires when it is ours. */
  public void acquireRead(EventHandler granted, long arg) {
    acquireRead(granted, arg, -1);
  }

  /** Asks for shared ownership from hardware thread {@code cpu} (-1: not known). */
  public void acquireRead(EventHandler granted, long arg, int cpu) {
    long now = kernel.now();
    acquisitions.increment();
    if (!writerHolds && queue.isEmpty()) {
      grantRead(now, now, granted, arg);
    } else {
      contended.increment();
      queue.add(granted, arg, now, false, cpu);
    }
  }

  /** Releases exclusive ownership and hands the lock to the next waiters. */
  public void releaseWrite() {
    if (!writerHolds) {
      throw new IllegalStateException("release of a write lock nobody holds");
    }
    long now = kernel.now();
    writeHoldCycles.recordValue(now - writeSince);
    writerHolds = false;
    lastCpu = writerCpu;
    handOff(now);
  }

  /** Releases one shared ownership. */
  public void releaseRead() {
    releaseRead(-1);
  }

  /** Releases one shared ownership held by hardware thread {@code cpu} (-1: not known). */
  public void releaseRead(int cpu) {
    if (readers == 0) {
      throw new IllegalStateException("release of a read lock nobody holds");
    }
    readers--;
    long now = kernel.now();
    lastCpu = cpu;
    if (readers == 0) {
      readHeldCycles += now - readersSince;
      handOff(now);
    }
  }

  private void handOff(long now) {
    if (queue.isEmpty()) {
      return;
    }
    long cost = distance.cycles(lastCpu, queue.headCpu());
    handoffs++;
    handoffCycles += cost;
    long at = now + cost;
    if (queue.headIsWriter()) {
      EventHandler h = queue.headHandler();
      long a = queue.headArg();
      long since = queue.headSince();
      int c = queue.headCpu();
      queue.removeHead();
      grantWrite(at, since, h, a, c);
      return;
    }
    // Every reader at the head of the queue enters together, up to the next writer.
    while (!queue.isEmpty() && !queue.headIsWriter()) {
      EventHandler h = queue.headHandler();
      long a = queue.headArg();
      long since = queue.headSince();
      queue.removeHead();
      grantRead(at, since, h, a);
    }
  }

  private void grantWrite(long at, long since, EventHandler h, long arg, int cpu) {
    writerHolds = true;
    writerCpu = cpu;
    writeSince = at;
    waitCycles.recordValue(at - since);
    kernel.schedule(at, h, arg);
  }

  private void grantRead(long at, long since, EventHandler h, long arg) {
    if (readers == 0) {
      readersSince = at;
    }
    readers++;
    waitCycles.recordValue(at - since);
    kernel.schedule(at, h, arg);
  }

  public boolean isWriteHeld() {
    return writerHolds;
  }

  public int readers() {
    return readers;
  }

  public int waiters() {
    return queue.size();
  }

  /** Wait times of every grant, in cycles (a copy). */
  public Histogram waitHistogram() {
    return waitCycles.copy();
  }

  /** Hold times of every write ownership, in cycles (a copy). */
  public Histogram writeHoldHistogram() {
    return writeHoldCycles.copy();
  }
}
