package dev.vsim.hypervisor.memory;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HostMmCosts;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.sync.LineDistance;

/**
 * The host kernel's side of one VM's EPT faults, for each vCPU thread: first KVM's top-up of the
 * vCPU's MMU page cache (pages from the CPU's unmovable per-CPU list, each zeroed), then
 * get_user_pages for the page behind the fault. A resident page is found by the lockless fast path.
 * One that is not goes through the slow path: mmap_lock for read, the host page fault that
 * allocates the page (from the CPU's per-CPU list, refilled under the zone lock; a hugetlbfs page
 * from the pool under hugetlb_lock) and, once the caller has zeroed it, charges it to the memory
 * cgroup and adds it to the LRU, then up_read. What the vCPU threads share on the way is modelled
 * by {@link PageAllocator}, {@link MmapLock}, {@link MemcgCharge} and {@link LruBatches}; the rest
 * of the path is a fixed cost.
 *
 * <p>State is per vCPU in primitive arrays: a vCPU thread has one fault in progress.
 */
public final class HostPageFault implements EventHandler {
  private static final int TOPPED_UP = 0;
  private static final int GUP = 1;
  private static final int MM_LOCKED = 2;
  private static final int ALLOCATED = 3;
  private static final int CHARGED = 4;
  private static final int ADDED = 5;
  private static final int START = 6;
  private static final int ZEROED = 7;
  private static final int PHASES = 8;

  private final EventKernel kernel;
  private final long hostPageAllocCycles;
  private final long gupResidentCycles;
  private final long topupPageCycles;
  private final PageAllocator allocator;
  private final int firstRequester;
  private final MmapLock mmapLock;
  private final MemcgCharge memcg;
  private final LruBatches lru;

  private final EventHandler[] done;
  private final long[] doneArg;
  private final int[] cpu;
  private final Backing[] backing;
  private final boolean[] allocates;
  private final int[] topup;
  private final int[] node; // the node the page being faulted in is placed on

  /**
   * @param hostPageAllocCycles the host page fault's own work besides what the shared structures
   *     cost (and besides zeroing, which the caller does)
   * @param gupResidentCycles the lockless fast path finding a resident page
   * @param topupPageCycles one page of the MMU page cache's top-up, zeroing included
   * @param cpus host CPUs
   * @param stats the VM's host-memory-management group ({@code vm0.host_mm})
   */
  public HostPageFault(
      EventKernel kernel,
      HostMmCosts costs,
      long hostPageAllocCycles,
      long gupResidentCycles,
      long topupPageCycles,
      PageAllocator allocator,
      int vcpus,
      int cpus,
      StatGroup stats) {
    this(
        kernel,
        costs,
        hostPageAllocCycles,
        gupResidentCycles,
        topupPageCycles,
        allocator,
        LineDistance.flat(costs.cacheLineTransferCycles()),
        vcpus,
        cpus,
        stats);
  }

  /** As above, the shared lines moving between CPUs at a cost by their distance. */
  public HostPageFault(
      EventKernel kernel,
      HostMmCosts costs,
      long hostPageAllocCycles,
      long gupResidentCycles,
      long topupPageCycles,
      PageAllocator allocator,
      LineDistance transfer,
      int vcpus,
      int cpus,
      StatGroup stats) {
    this.kernel = kernel;
    this.hostPageAllocCycles = hostPageAllocCycles;
    this.gupResidentCycles = gupResidentCycles;
    this.topupPageCycles = topupPageCycles;
    this.allocator = allocator;
    this.firstRequester = allocator.register(vcpus);
    this.mmapLock = new MmapLock(transfer, stats.group("mmap_lock"));
    this.memcg =
        new MemcgCharge(
            costs.memcgChargeBatch(), costs.memcgLevels(), transfer, cpus, stats.group("memcg"));
    this.lru =
        new LruBatches(
            kernel,
            costs.lruBatch(),
            costs.lruAddCyclesPerFolio(),
            transfer,
            vcpus,
            cpus,
            stats.group("lru"));
    done = new EventHandler[vcpus];
    doneArg = new long[vcpus];
    cpu = new int[vcpus];
    backing = new Backing[vcpus];
    allocates = new boolean[vcpus];
    topup = new int[vcpus];
    node = new int[vcpus];
  }

  /**
   * The page vCPU {@code v}'s next {@link #faultIn} allocates goes to node {@code n}'s zone (as
   * {@link HostMemory} placed it); until told, node 0.
   */
  public void placeOn(int v, int n) {
    node[v] = n;
  }

  /**
   * vCPU {@code v}'s thread, on host CPU {@code onCpu}, tops up its MMU page cache with {@code
   * topupPages} pages, then gets the host page behind its fault ({@code allocate}: it is not
   * resident and the host fault allocates it): {@code then.onEvent(now, arg)} fires when the page
   * is there; an allocated page must then be zeroed, and {@link #whenZeroed} says what comes next.
   * The thread starts at cycle {@code at} (now or later).
   */
  public void faultIn(
      int v,
      int onCpu,
      Backing b,
      boolean allocate,
      int topupPages,
      long at,
      EventHandler then,
      long arg) {
    done[v] = then;
    doneArg[v] = arg;
    cpu[v] = onCpu;
    backing[v] = b;
    allocates[v] = allocate;
    topup[v] = topupPages;
    if (at > kernel.now()) {
      kernel.schedule(at, this, (long) v * PHASES + START);
    } else {
      start(v, at);
    }
  }

  private void start(int v, long now) {
    int topupPages = topup[v];
    if (topupPages == 0) {
      gup(v, now);
      return;
    }
    long t =
        allocator.allocate(
            firstRequester + v,
            cpu[v],
            PageAllocator.UNMOVABLE,
            topupPages,
            this,
            (long) v * PHASES + TOPPED_UP);
    if (t >= 0) {
      toppedUp(v, t);
    }
  }

  /**
   * What comes once the page {@link #faultIn} allocated for vCPU {@code v} is zeroed: it is
   * charged, put on the LRU, and mmap_lock is released; then {@code then.onEvent(now, arg)} fires.
   *
   * @return the argument with which this object is to be called (as an event handler) when the
   *     zeroing is done
   */
  public long whenZeroed(int v, EventHandler then, long arg) {
    done[v] = then;
    doneArg[v] = arg;
    return (long) v * PHASES + ZEROED;
  }

  private void zeroed(int v, long now) {
    if (isHugetlb(backing[v])) {
      unlock(v, now);
      return;
    }
    int pages = (int) (backing[v].pageBytes() >>> 12);
    long t = memcg.charge(cpu[v], pages, now);
    if (t > now) {
      kernel.schedule(t, this, (long) v * PHASES + CHARGED);
    } else {
      charged(v, now);
    }
  }

  @Override
  public void onEvent(long now, long arg) {
    int v = (int) (arg / PHASES);
    switch ((int) (arg % PHASES)) {
      case TOPPED_UP -> toppedUp(v, now);
      case GUP -> gup(v, now);
      case MM_LOCKED -> mmLocked(v, now);
      case ALLOCATED -> allocated(v, now);
      case CHARGED -> charged(v, now);
      case ADDED -> unlock(v, now);
      case START -> start(v, now);
      case ZEROED -> zeroed(v, now);
      default -> throw new IllegalStateException("unknown host fault phase " + arg);
    }
  }

  private void toppedUp(int v, long now) {
    long at = now + topup[v] * topupPageCycles;
    if (at > now) {
      kernel.schedule(at, this, (long) v * PHASES + GUP);
    } else {
      gup(v, now);
    }
  }

  private void gup(int v, long now) {
    if (!allocates[v]) {
      kernel.schedule(now + gupResidentCycles, done[v], doneArg[v]);
      return;
    }
    long t = mmapLock.readLock(cpu[v], now);
    Backing b = backing[v];
    if (!isHugetlb(b)) {
      // The CPU's own list is no other CPU's: a page it holds can be taken at once.
      int list = b == Backing.THP ? PageAllocator.THP : PageAllocator.MOVABLE;
      if (allocator.tryTake(cpu[v], node[v], list)) {
        kernel.schedule(t + hostPageAllocCycles, done[v], doneArg[v]);
        return;
      }
    }
    if (t > now) {
      kernel.schedule(t, this, (long) v * PHASES + MM_LOCKED);
    } else {
      mmLocked(v, now);
    }
  }

  private void mmLocked(int v, long now) {
    long arg = (long) v * PHASES + ALLOCATED;
    Backing b = backing[v];
    if (isHugetlb(b)) {
      allocator.allocateHugetlb(firstRequester + v, cpu[v], this, arg);
      return;
    }
    int list = b == Backing.THP ? PageAllocator.THP : PageAllocator.MOVABLE;
    long t = allocator.allocate(firstRequester + v, cpu[v], node[v], list, 1, this, arg);
    if (t >= 0) {
      allocated(v, now);
    }
  }

  private void allocated(int v, long now) {
    kernel.schedule(now + hostPageAllocCycles, done[v], doneArg[v]);
  }

  private void charged(int v, long now) {
    long t = lru.add(v, cpu[v], backing[v] != Backing.ANONYMOUS, this, (long) v * PHASES + ADDED);
    if (t >= 0) {
      unlock(v, now);
    }
  }

  private void unlock(int v, long now) {
    kernel.schedule(mmapLock.readUnlock(cpu[v], now), done[v], doneArg[v]);
  }

  private static boolean isHugetlb(Backing b) {
    return b == Backing.HUGETLB_2M || b == Backing.HUGETLB_1G;
  }

  public MmapLock mmapLock() {
    return mmapLock;
  }

  public MemcgCharge memcg() {
    return memcg;
  }

  public LruBatches lru() {
    return lru;
  }

  public PageAllocator allocator() {
    return allocator;
  }
}
