package dev.vsim.cpu.profile;

/**
 * What the host kernel's memory management shares between the vCPU threads that fault at once, and
 * what each shared structure costs: the page allocator (the zone lock behind the per-CPU page
 * lists), the per-CPU LRU batches drained under the lruvec lock, memory-cgroup charging in batches,
 * the hugetlb pool's lock, KVM's per-vCPU caches of MMU pages, and the transfer of a cache line
 * that another core wrote last (the mmap_lock's count, the page counters, an SPTE's line). Sizes in
 * pages, costs in cycles.
 *
 * @param cacheLineTransferCycles an atomic read-modify-write of a line another core modified last:
 *     the line's transfer between the cores' caches
 * @param zoneLockCyclesPerPage rmqueue_bulk under zone->lock, per page taken off the buddy free
 *     lists (the free page's struct page is cache-cold)
 * @param pcpBatch pcp->batch of the zone (zone_batchsize)
 * @param pcpHighMin pcp->high_min: the per-CPU list's high mark when the zone is not under pressure
 * @param pcpHighMax pcp->high_max: how far the high mark may grow while allocations refill the list
 * @param pcpBatchScaleMax CONFIG_PCP_BATCH_SCALE_MAX: a refill is at most pcpBatch times 2 to this
 * @param hugetlbDequeueCycles dequeuing one huge page from the hugetlb pool under hugetlb_lock
 * @param lruBatch folios a per-CPU LRU batch holds before it is drained (PAGEVEC_SIZE)
 * @param lruAddCyclesPerFolio lru_add for one folio under the lruvec lock
 * @param memcgChargeBatch pages charged to the page counters at once to refill the per-CPU stock
 *     (MEMCG_CHARGE_BATCH)
 * @param memcgLevels page counters charged on a refill: the VM's memory cgroup and its ancestors
 *     below the root
 * @param mmuPageCacheMin KVM tops a vCPU's MMU page cache up when it holds fewer than this
 * @param mmuPageCacheCapacity what the top-up fills the cache to
 * @param mmuPageAllocCycles one object of the top-up besides zeroing its page: the page from the
 *     per-CPU list, the kvm_mmu_page header from its slab, the kernel-memory charge
 */
public record HostMmCosts(
    int cacheLineTransferCycles,
    int zoneLockCyclesPerPage,
    int pcpBatch,
    int pcpHighMin,
    int pcpHighMax,
    int pcpBatchScaleMax,
    int hugetlbDequeueCycles,
    int lruBatch,
    int lruAddCyclesPerFolio,
    int memcgChargeBatch,
    int memcgLevels,
    int mmuPageCacheMin,
    int mmuPageCacheCapacity,
    int mmuPageAllocCycles) {
  public HostMmCosts {
    Checks.nonNegative("cacheLineTransferCycles", cacheLineTransferCycles);
    Checks.nonNegative("zoneLockCyclesPerPage", zoneLockCyclesPerPage);
    Checks.positive("pcpBatch", pcpBatch);
    Checks.positive("pcpHighMin", pcpHighMin);
    Checks.positive("pcpHighMax", pcpHighMax);
    Checks.nonNegative("pcpBatchScaleMax", pcpBatchScaleMax);
    Checks.nonNegative("hugetlbDequeueCycles", hugetlbDequeueCycles);
    Checks.positive("lruBatch", lruBatch);
    Checks.nonNegative("lruAddCyclesPerFolio", lruAddCyclesPerFolio);
    Checks.positive("memcgChargeBatch", memcgChargeBatch);
    Checks.nonNegative("memcgLevels", memcgLevels);
    Checks.nonNegative("mmuPageCacheMin", mmuPageCacheMin);
    Checks.positive("mmuPageCacheCapacity", mmuPageCacheCapacity);
    Checks.nonNegative("mmuPageAllocCycles", mmuPageAllocCycles);
    if (pcpHighMax < pcpHighMin) {
      throw new IllegalArgumentException(
          "pcpHighMax (" + pcpHighMax + ") is below pcpHighMin (" + pcpHighMin + ")");
    }
    if (pcpBatchScaleMax > 16) {
      throw new IllegalArgumentException(
          "pcpBatchScaleMax must be at most 16 (a shift of pcpBatch), got " + pcpBatchScaleMax);
    }
    if (mmuPageCacheCapacity < mmuPageCacheMin) {
      throw new IllegalArgumentException(
          "mmuPageCacheCapacity ("
              + mmuPageCacheCapacity
              + ") is below mmuPageCacheMin ("
              + mmuPageCacheMin
              + ")");
    }
  }
}
