package dev.vsim.hypervisor.memory;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HostMmCosts;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
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
 * <p>One zone, the one the VMs' memory comes from (the profile assumes a VM's memory on one
 * socket). Nothing is freed while the modelled runs go on, so the free side is not modelled.
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
  private final RwLock zoneLock;
  private final RwLock hugetlbLock;
  private int lastZoneHolder = -1;
  private int lastPoolHolder = -1;

  // Per CPU: pages on each list, pcp->count (in base pages), pcp->high, pcp->alloc_factor.
  private final int[][] listPages;
  private final int[] pcpCount;
  private final int[] high;
  private final int[] allocFactor;

  // Per requester: the request in progress.
  private int requesters;
  private EventHandler[] doneHandler = new EventHandler[0];
  private long[] doneArg = new long[0];
  private int[] reqCpu = new int[0];
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
    this.kernel = kernel;
    this.costs = costs;
    this.zoneLock = new RwLock(kernel, costs.cacheLineTransferCycles(), stats.group("zone_lock"));
    this.hugetlbLock =
        new RwLock(kernel, costs.cacheLineTransferCycles(), stats.group("hugetlb_lock"));
    listPages = new int[LISTS][cpus];
    pcpCount = new int[cpus];
    high = new int[cpus];
    Arrays.fill(high, costs.pcpHighMin());
    allocFactor = new int[cpus];
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
    if (listPages[list][cpu] >= pages) {
      take(cpu, list, pages);
      return kernel.now();
    }
    doneHandler[req] = done;
    doneArg[req] = arg;
    reqCpu[req] = cpu;
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
    if (listPages[list][cpu] < 1) {
      return false;
    }
    take(cpu, list, 1);
    return true;
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
    hugetlbLock.acquireWrite(this, (long) req * PHASES + POOL_LOCKED);
  }

  private void lockZone(int req) {
    reqUncontended[req] = !zoneLock.isWriteHeld() && zoneLock.waiters() == 0;
    zoneLock.acquireWrite(this, (long) req * PHASES + ZONE_LOCKED);
  }

  private void take(int cpu, int list, int pages) {
    listPages[list][cpu] -= pages;
    pcpCount[cpu] -= pages << (list == THP ? THP_ORDER : 0);
  }

  @Override
  public void onEvent(long now, long arg) {
    int req = (int) (arg / PHASES);
    int cpu = reqCpu[req];
    switch ((int) (arg % PHASES)) {
      case ZONE_LOCKED -> {
        int n = refillSize(cpu, reqList[req]);
        reqRefill[req] = n;
        long hold = (long) n * costs.zoneLockCyclesPerPage() + takeLine(req, lastZoneHolder, cpu);
        lastZoneHolder = cpu;
        kernel.schedule(now + hold, this, (long) req * PHASES + ZONE_UNLOCK);
      }
      case ZONE_UNLOCK -> {
        zoneLock.releaseWrite();
        int list = reqList[req];
        int n = reqRefill[req];
        refills.increment();
        pagesRefilled.add(n);
        listPages[list][cpu] += n;
        pcpCount[cpu] += n << (list == THP ? THP_ORDER : 0);
        if (listPages[list][cpu] >= reqPages[req]) {
          take(cpu, list, reqPages[req]);
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
        ? costs.cacheLineTransferCycles()
        : 0;
  }

  /** nr_pcp_alloc: how many pages a refill of {@code list} on {@code cpu} takes. */
  int refillSize(int cpu, int list) {
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
    return listPages[list][cpu];
  }

  public RwLock zoneLock() {
    return zoneLock;
  }

  public RwLock hugetlbLock() {
    return hugetlbLock;
  }
}
