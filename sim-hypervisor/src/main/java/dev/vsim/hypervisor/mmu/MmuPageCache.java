package dev.vsim.hypervisor.mmu;

import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;

/**
 * KVM's per-vCPU cache of MMU pages (the shadow-page kvm_mmu_memory_cache): before a fault takes
 * the MMU lock, mmu_topup_memory_caches fills the vCPU's cache up to its capacity if it holds fewer
 * pages than a fault may need, so that the fault can link new page-table pages without allocating
 * under the lock. Per vCPU, so nothing is shared here; the pages come from the host's page
 * allocator (the CPU's unmovable per-CPU list, which is shared with the zone lock behind it).
 */
public final class MmuPageCache {
  private final int min;
  private final int capacity;
  private final int[] pages;
  private final Counter topups;
  private final Counter pagesAllocated;

  /**
   * @param min a vCPU holding fewer pages is topped up
   * @param capacity what a top-up fills the cache to
   * @param stats group for the caches ({@code vm0.kvm.mmu_page_cache})
   */
  public MmuPageCache(int min, int capacity, int vcpus, StatGroup stats) {
    this.min = min;
    this.capacity = capacity;
    this.pages = new int[vcpus];
    this.topups = stats.counter("topups", Unit.COUNT, "Top-ups of a vCPU's MMU page cache");
    this.pagesAllocated =
        stats.counter("pages_allocated", Unit.COUNT, "Pages allocated and zeroed by the top-ups");
  }

  /**
   * vCPU {@code v} tops its cache up before a fault.
   *
   * @return pages to allocate (0 if it holds enough)
   */
  public int topUp(int v) {
    if (pages[v] >= min) {
      return 0;
    }
    int n = capacity - pages[v];
    pages[v] = capacity;
    topups.increment();
    pagesAllocated.add(n);
    return n;
  }

  /** vCPU {@code v}'s fault linked {@code n} new table pages taken from its cache. */
  public void used(int v, long n) {
    pages[v] = (int) Math.max(0, pages[v] - n);
  }

  /** Pages in vCPU {@code v}'s cache. */
  public int pages(int v) {
    return pages[v];
  }
}
