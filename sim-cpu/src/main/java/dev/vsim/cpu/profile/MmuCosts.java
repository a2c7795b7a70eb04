package dev.vsim.cpu.profile;

/**
 * Costs of the hypervisor's EPT fault path and of the operations on EPT that dirty logging and
 * pre-population perform, in cycles. Zeroing a new host page is not here: it moves bytes through
 * the shared memory bandwidth ({@link Dram}).
 *
 * @param faultEntryCycles kvm_mmu_page_fault up to the memslot lookup: decoding the exit
 *     qualification, the lockless fast-path attempt, topping up the per-vCPU object caches
 * @param hostPageAllocCycles get_user_pages for a host page that is not resident yet: the host's
 *     own page fault, the buddy allocation, memcg charge and LRU insertion (zeroing excluded)
 * @param gupResidentCycles get_user_pages for a page already resident (look-up and reference)
 * @param mapUnderLockCycles the work done under KVM's MMU lock for one fault: walking EPT from the
 *     root, allocating missing table pages from the per-vCPU cache, installing the SPTE, the rmap
 *     and accounting updates
 * @param lockHandoffCycles moving the MMU lock's cache line to the next waiter
 * @param raceRetryCycles a fault that lost its compare-exchange (or found the SPTE already
 *     installed): re-reading the entry and returning to the guest to retry
 * @param spteInstallCycles writing one SPTE when EPT is built in a loop (pre-population, restoring
 *     huge pages), with no fault to handle
 * @param splitCyclesPerSpte splitting a huge SPTE: cost per 4 KiB SPTE written into the new table
 * @param dirtyLogCyclesPerSpte scanning or write-protecting one SPTE for get/clear dirty log
 * @param remoteTlbFlushCycles kvm_flush_remote_tlbs: requesting a flush on every vCPU and waiting
 * @param tablePageAllocCycles allocating one EPT table page for a split or a zapped huge page
 *     (kmem_cache_zalloc of the kvm_mmu_page header and a zeroed 4 KiB page from the page
 *     allocator), clearing its 4 KiB included
 */
public record MmuCosts(
    int faultEntryCycles,
    int hostPageAllocCycles,
    int gupResidentCycles,
    int mapUnderLockCycles,
    int lockHandoffCycles,
    int raceRetryCycles,
    int spteInstallCycles,
    int splitCyclesPerSpte,
    int dirtyLogCyclesPerSpte,
    int remoteTlbFlushCycles,
    int tablePageAllocCycles) {
  public MmuCosts {
    Checks.nonNegative("faultEntryCycles", faultEntryCycles);
    Checks.nonNegative("hostPageAllocCycles", hostPageAllocCycles);
    Checks.nonNegative("gupResidentCycles", gupResidentCycles);
    Checks.nonNegative("mapUnderLockCycles", mapUnderLockCycles);
    Checks.nonNegative("lockHandoffCycles", lockHandoffCycles);
    Checks.nonNegative("raceRetryCycles", raceRetryCycles);
    Checks.nonNegative("spteInstallCycles", spteInstallCycles);
    Checks.nonNegative("splitCyclesPerSpte", splitCyclesPerSpte);
    Checks.nonNegative("dirtyLogCyclesPerSpte", dirtyLogCyclesPerSpte);
    Checks.nonNegative("remoteTlbFlushCycles", remoteTlbFlushCycles);
    Checks.nonNegative("tablePageAllocCycles", tablePageAllocCycles);
  }
}
