package dev.vsim.hypervisor.memory;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.NumaNodes;
import dev.vsim.cpu.profile.HostMmCosts;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.sync.LineDistance;
import dev.vsim.cpu.sync.RwLock;
import java.util.Arrays;

/**
 * The host's page allocator as the faulting vCPU threads share it: each CPU takes pages from its
 * own per-CPU page lists (pcp) without a lock, and a list found empty is refilled with a batch of
 * pages taken off the buddy free lists under the zone's lock (rmqueue_bulk), for which the CPUs
 * queue. The batch follows nr_pcp_alloc: pcp->batch scaled up by pcp->alloc_factor, which grows by
 * one (up to pcpBatchScaleMax) at every refill that allocation alone caused, bounded by what the
 * list's high mark leaves room for, the high mark itself growing by the batch up to pcpHighMax.
 * Order-0 pages come from the movable list (user memory) or the unmovable one (kernel memory such
 * as KVM's MMU pages); 2 MiB transparent huge pages have their own list, refilled two pages at a
 * time (a batch of order 9 is pcp->batch >> 9, at least 2). hugetlbfs pages come from the
 * pre-allocated pool instead, one at a time under the global hugetlb_lock.
 *
 * <p>One Normal zone per NUMA node, each with its own zone lock, buddy lists and per-CPU lists (a
 * CPU has pcp lists in every zone, pcp->count and high included): a page comes from the zone of the
 * node it is placed on ({@link HostMemory}'s policy), a kernel page from the CPU's own node. Locks
 * and lines move between CPUs at a cost by their distance ({@link LineDistance}). The hugetlb pool
 * is one, under the global hugetlb_lock. Nothing is freed while the modelled runs go on, so the
 * free side is not modelled.
 *
 * <p>Callers are registered requesters (one per vCPU thread): a request that has to wait fires the
 * caller's handler when the pages are taken; the requester's state lives in primitive arrays.
 */
public final class PageAllocator implements EventHandler {
  /** User memory in 4 KiB pages (MIGRATE_MOVABLE). */
  public static final int MOVABLE = 0;

  /** Kernel memory in 4 KiB pages (MIGRATE_UNMOVABLE), such as KVM's page-table pages. */
  public static final int UNMOVABLE = 1;

  /** 2 MiB transparent huge pages (the pcp list of order HPAGE_PMD_ORDER). */
  public static final int THP = 2;

  private static final int LISTS = 3;
  private static final int THP_ORDER = 9;
  private static final int ZONE_LOCKED = 0;
  private static final int ZONE_UNLOCK = 1;
  private static final int POOL_LOCKED = 2;
  private static final int POOL_UNLOCK = 3;
  private static final int PHASES = 4;

  private final EventKernel kernel;
  private final HostMmCosts costs;
  private final NumaNodes numa;
  private final LineDistance transfer;
  private final RwLock[] zoneLock;
  private final RwLock hugetlbLock;
  private final int[] lastZoneHolder;
  private int lastPoolHolder = -1;

  // Per node and CPU: pages on each list, pcp->count (in base pages), pcp->high,
  // pcp->alloc_factor.
  private final int[][][] listPages;
  private final int[][] pcpCount;
  private final int[][] high;
  private final int[][] allocFactor;

  // Per requester: the request in progress.
  private int requesters;
  private EventHandler[] doneHandler = new EventHandler[0];
  private long[] doneArg = new long[0];
  private int[] reqCpu = new int[0];
  private int[] reqNode = new int[0];
  private int[] reqList = new int[0];
  private int[] reqPages = new int[0];
  private int[] reqRefill = new int[0];
  private boolean[] reqUncontended = new boolean[0];

  private final Counter refills;
  private final Counter pagesRefilled;
  private final Counter hugetlbDequeues;

  /**
   * @param cpus host CPUs (each has its own lists)
   * @param stats the host's allocator group ({@code host.page_allocator})
   */
  public PageAllocator(EventKernel kernel, HostMmCosts costs, int cpus, StatGroup stats) {
    this(kernel, costs, cpus, null, LineDistance.flat(costs.cacheLineTransferCycles()), stats);
  }

  /**
   * An allocator with a zone on each of {@code numa}'s nodes (null: one node), its locks' and
   * lines' transfers costed by {@code transfer}; with several nodes each zone's lock reports under
   * {@code node<N>.zone_lock}.
   */
  public PageAllocator(
      EventKernel kernel,
      HostMmCosts costs,
      int cpus,
      NumaNodes numa,
      LineDistance transfer,
      StatGroup stats) {
    this.kernel = kernel;
    this.costs = costs;
    this.numa = numa;
    this.transfer = transfer;
    int nodes = numa == null ? 1 : numa.count();
    zoneLock = new RwLock[nodes];
    for (int n = 0; n < nodes; n++) {
      StatGroup g =
          nodes == 1 ? stats.group("zone_lock") : stats.group("node" + n).group("zone_lock");
      zoneLock[n] = new RwLock(kernel, transfer, g);
    }
    this.hugetlbLock = new RwLock(kernel, transfer, stats.group("hugetlb_lock"));
    lastZoneHolder = new int[nodes];
    Arrays.fill(lastZoneHolder, -1);
    listPages = new int[nodes][LISTS][cpus];
    pcpCount = new int[nodes][cpus];
    high = new int[nodes][cpus];
    for (int[] h : high) {
      Arrays.fill(h, costs.pcpHighMin());
    }
    allocFactor = new int[nodes][cpus];
    refills =
        stats.counter(
            "pcp_refills",
            Unit.COUNT,
            "Per-CPU lists refilled from the buddy lists under the zone lock");
    pagesRefilled =
        stats.counter(
            "pages_refilled",
            Unit.COUNT,
            "Pages (4 KiB or 2 MiB) moved onto per-CPU lists by refills");
    hugetlbDequeues =
        stats.counter("hugetlb_dequeues", Unit.COUNT, "Huge pages taken from the hugetlb pool");
  }

  /**
   * Registers {@code n} requesters (e.g. a VM's vCPU threads).
   *
   * @return the first one's number; the others follow it
   */
  public int register(int n) {
    int first = requesters;
    requesters += n;
    doneHandler = Arrays.copyOf(doneHandler, requesters);
    doneArg = Arrays.copyOf(doneArg, requesters);
    reqCpu = Arrays.copyOf(reqCpu, requesters);
    reqNode = Arrays.copyOf(reqNode, requesters);
    reqList = Arrays.copyOf(reqList, requesters);
    reqPages = Arrays.copyOf(reqPages, requesters);
    reqRefill = Arrays.copyOf(reqRefill, requesters);
    reqUncontended = Arrays.copyOf(reqUncontended, requesters);
    return first;
  }

  /**
   * Requester {@code req}, running on {@code cpu}, takes {@code pages} pages of list {@code list}
   * now.
   *
   * @return the current cycle if the CPU's list had them; -1 if the list had to be refilled under
   *     the zone lock, in which case {@code done.onEvent(now, arg)} fires once the pages are taken
   */
  public long allocate(int req, int cpu, int list, int pages, EventHandler done, long arg) {
    return allocate(req, cpu, nodeOf(cpu), list, pages, done, arg);
  }

  /**
   * As {@link #allocate(int, int, int, int, EventHandler, long)}, from node {@code node}'s zone.
   */
  public long allocate(
      int req, int cpu, int node, int list, int pages, EventHandler done, long arg) {
    if (listPages[node][list][cpu] >= pages) {
      take(node, cpu, list, pages);
      return kernel.now();
    }
    doneHandler[req] = done;
    doneArg[req] = arg;
    reqCpu[req] = cpu;
    reqNode[req] = node;
    reqList[req] = list;
    reqPages[req] = pages;
    lockZone(req);
    return -1;
  }

  /**
   * Takes one page of list {@code list} from {@code cpu}'s per-CPU list if it has one (no lock).
   *
   * @return whether it had one
   */
  public boolean tryTake(int cpu, int list) {
    return tryTake(cpu, nodeOf(cpu), list);
  }

  /** As {@link #tryTake(int, int)}, from {@code cpu}'s list in node {@code node}'s zone. */
  public boolean tryTake(int cpu, int node, int list) {
    if (listPages[node][list][cpu] < 1) {
      return false;
    }
    take(node, cpu, list, 1);
    return true;
  }

  /** The node of host CPU {@code cpu}: the zone its kernel allocations come from. */
  public int nodeOf(int cpu) {
    return numa == null ? 0 : numa.nodeOf(cpu);
  }

  /**
   * Requester {@code req} on {@code cpu} dequeues a huge page from the hugetlb pool: {@code
   * done.onEvent(now, arg)} fires once it has it.
   */
  public void allocateHugetlb(int req, int cpu, EventHandler done, long arg) {
    doneHandler[req] = done;
    doneArg[req] = arg;
    reqCpu[req] = cpu;
    reqUncontended[req] = !hugetlbLock.isWriteHeld() && hugetlbLock.waiters() == 0;
    hugetlbLock.acquireWrite(this, (long) req * PHASES + POOL_LOCKED, cpu);
  }

  private void lockZone(int req) {
    RwLock z = zoneLock[reqNode[req]];
    reqUncontended[req] = !z.isWriteHeld() && z.waiters() == 0;
    z.acquireWrite(this, (long) req * PHASES + ZONE_LOCKED, reqCpu[req]);
  }

  private void take(int node, int cpu, int list, int pages) {
    listPages[node][list][cpu] -= pages;
    pcpCount[node][cpu] -= pages << (list == THP ? THP_ORDER : 0);
  }

  @Override
  public void onEvent(long now, long arg) {
    int req = (int) (arg / PHASES);
    int cpu = reqCpu[req];
    switch ((int) (arg % PHASES)) {
      case ZONE_LOCKED -> {
        int node = reqNode[req];
        int n = refillSize(node, cpu, reqList[req]);
        reqRefill[req] = n;
        long hold =
            (long) n * costs.zoneLockCyclesPerPage() + takeLine(req, lastZoneHolder[node], cpu);
        lastZoneHolder[node] = cpu;
        kernel.schedule(now + hold, this, (long) req * PHASES + ZONE_UNLOCK);
      }
      case ZONE_UNLOCK -> {
        int node = reqNode[req];
        zoneLock[node].releaseWrite();
        int list = reqList[req];
        int n = reqRefill[req];
        refills.increment();
        pagesRefilled.add(n);
        listPages[node][list][cpu] += n;
        pcpCount[node][cpu] += n << (list == THP ? THP_ORDER : 0);
        if (listPages[node][list][cpu] >= reqPages[req]) {
          take(node, cpu, list, reqPages[req]);
          kernel.schedule(now, doneHandler[req], doneArg[req]);
        } else {
          lockZone(req); // a request larger than one batch refills again
        }
      }
      case POOL_LOCKED -> {
        long hold = costs.hugetlbDequeueCycles() + takeLine(req, lastPoolHolder, cpu);
        lastPoolHolder = cpu;
        kernel.schedule(now + hold, this, (long) req * PHASES + POOL_UNLOCK);
      }
      case POOL_UNLOCK -> {
        hugetlbLock.releaseWrite();
        hugetlbDequeues.increment();
        kernel.schedule(now, doneHandler[req], doneArg[req]);
      }
      default -> throw new IllegalStateException("unknown allocator phase " + arg);
    }
  }

  /**
   * An uncontended acquisition of a lock another CPU held last moves its line over; a contended one
   * was handed over with the line, which the lock's hand-off already costs.
   */
  private long takeLine(int req, int lastHolder, int cpu) {
    return reqUncontended[req] && lastHolder >= 0 && lastHolder != cpu
        ? transfer.cycles(lastHolder, cpu)
        : 0;
  }

  /** nr_pcp_alloc: how many pages a refill of {@code list} on {@code cpu} takes. */
  int refillSize(int cpu, int list) {
    return refillSize(0, cpu, list);
  }

  /** nr_pcp_alloc in node {@code node}'s zone. */
  int refillSize(int node, int cpu, int list) {
    int[] high = this.high[node];
    int[] pcpCount = this.pcpCount[node];
    int[] allocFactor = this.allocFactor[node];
    int base = costs.pcpBatch();
    boolean order0 = list != THP;
    int batch = order0 ? base << allocFactor[cpu] : base;
    // No memory pressure in the modelled runs (ZONE_BELOW_HIGH clear): the high mark grows.
    high[cpu] = (int) Math.min((long) high[cpu] + batch, costs.pcpHighMax());
    if (order0) {
      int maxNrAlloc = Math.max(high[cpu] - pcpCount[cpu] - base, base);
      if (batch <= maxNrAlloc && allocFactor[cpu] < costs.pcpBatchScaleMax()) {
        allocFactor[cpu]++;
      }
      return Math.min(batch, maxNrAlloc);
    }
    return batch > 1 ? Math.max(batch >> THP_ORDER, 2) : batch;
  }

  /** Pages on {@code cpu}'s list {@code list}. */
  public int listPages(int cpu, int list) {
    return listPages[0][list][cpu];
  }

  /** Pages on {@code cpu}'s list {@code list} in node {@code node}'s zone. */
  public int listPages(int node, int cpu, int list) {
    return listPages[node][list][cpu];
  }

  /** Node 0's zone lock (the only one on a single-node host). */
  public RwLock zoneLock() {
    return zoneLock[0];
  }

  /** Node {@code node}'s zone lock. */
  public RwLock zoneLock(int node) {
    return zoneLock[node];
  }

  public RwLock hugetlbLock() {
    return hugetlbLock;
  }
}
