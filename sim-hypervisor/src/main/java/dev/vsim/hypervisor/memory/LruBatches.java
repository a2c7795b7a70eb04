package dev.vsim.hypervisor.memory;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.sync.LineDistance;
import dev.vsim.cpu.sync.RwLock;
import java.util.Arrays;

/**
 * Putting the VM's new anonymous folios on the LRU lists, as folio_add_lru does: each CPU collects
 * them in its per-CPU folio batch, and a full batch (or any large folio, which is not batched) is
 * moved onto the lists under the lruvec's lock, the lock of the VM's memory cgroup on its node,
 * which every faulting thread of the VM takes. The lock queues its waiters; an uncontended
 * acquisition of a lock another CPU held last moves its line over. hugetlbfs pages never go on the
 * LRU lists.
 */
public final class LruBatches implements EventHandler {
  private static final int LOCKED = 0;
  private static final int UNLOCK = 1;
  private static final int PHASES = 2;

  private final EventKernel kernel;
  private final int batchSize;
  private final long cyclesPerFolio;
  private final LineDistance transfer;
  private final RwLock lock;
  private final int[] batched;
  private int lastHolder = -1;

  // Per requester: the drain in progress.
  private final EventHandler[] doneHandler;
  private final long[] doneArg;
  private final int[] reqCpu;
  private final int[] reqFolios;
  private final boolean[] reqUncontended;

  private final Counter drains;
  private final Counter folios;

  /**
   * @param requesters callers that may drain at once (a VM's vCPU threads)
   * @param cpus host CPUs (each has its batch)
   * @param stats group for the LRU ({@code vm0.host_mm.lru}); the lock's go to {@code lruvec_lock}
   */
  public LruBatches(
      EventKernel kernel,
      int batchSize,
      long cyclesPerFolio,
      long transferCycles,
      int requesters,
      int cpus,
      StatGroup stats) {
    this(
        kernel,
        batchSize,
        cyclesPerFolio,
        LineDistance.flat(transferCycles),
        requesters,
        cpus,
        stats);
  }

  /** Batches whose lock's line moves at a cost by distance between the CPUs. */
  public LruBatches(
      EventKernel kernel,
      int batchSize,
      long cyclesPerFolio,
      LineDistance transfer,
      int requesters,
      int cpus,
      StatGroup stats) {
    this.kernel = kernel;
    this.batchSize = batchSize;
    this.cyclesPerFolio = cyclesPerFolio;
    this.transfer = transfer;
    this.lock = new RwLock(kernel, transfer, stats.group("lruvec_lock"));
    this.batched = new int[cpus];
    doneHandler = new EventHandler[requesters];
    doneArg = new long[requesters];
    reqCpu = new int[requesters];
    reqFolios = new int[requesters];
    reqUncontended = new boolean[requesters];
    drains = stats.counter("drains", Unit.COUNT, "Per-CPU folio batches moved onto the LRU lists");
    folios = stats.counter("folios_added", Unit.COUNT, "Folios put on the LRU lists");
    Arrays.fill(reqCpu, -1);
  }

  /**
   * Requester {@code req} on {@code cpu} adds one folio (a large one if {@code large}) now.
   *
   * @return the current cycle if the folio only went into the CPU's batch; -1 if the batch is being
   *     drained under the lruvec lock, in which case {@code done.onEvent(now, arg)} fires when the
   *     drain is over
   */
  public long add(int req, int cpu, boolean large, EventHandler done, long arg) {
    folios.increment();
    batched[cpu]++;
    if (batched[cpu] < batchSize && !large) {
      return kernel.now();
    }
    doneHandler[req] = done;
    doneArg[req] = arg;
    reqCpu[req] = cpu;
    reqFolios[req] = batched[cpu];
    batched[cpu] = 0;
    reqUncontended[req] = !lock.isWriteHeld() && lock.waiters() == 0;
    lock.acquireWrite(this, (long) req * PHASES + LOCKED, cpu);
    return -1;
  }

  @Override
  public void onEvent(long now, long arg) {
    int req = (int) (arg / PHASES);
    switch ((int) (arg % PHASES)) {
      case LOCKED -> {
        int cpu = reqCpu[req];
        long hold = reqFolios[req] * cyclesPerFolio;
        if (reqUncontended[req] && lastHolder >= 0 && lastHolder != cpu) {
          hold += transfer.cycles(lastHolder, cpu);
        }
        lastHolder = cpu;
        kernel.schedule(now + hold, this, (long) req * PHASES + UNLOCK);
      }
      case UNLOCK -> {
        lock.releaseWrite();
        drains.increment();
        kernel.schedule(now, doneHandler[req], doneArg[req]);
      }
      default -> throw new IllegalStateException("unknown LRU phase " + arg);
    }
  }

  /** Folios waiting in {@code cpu}'s batch. */
  public int batched(int cpu) {
    return batched[cpu];
  }

  public RwLock lock() {
    return lock;
  }
}
