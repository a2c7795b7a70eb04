package dev.vsim.mmu.psc;

import dev.vsim.cpu.profile.TlbLevel;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.mmu.tlb.Tlb;

/**
 * The three upper-level paging-structure caches of one dimension: PML4E entries (keyed by address
 * bits 47:39, or 56:39 with 5-level paging), PDPTE entries (bits 47:30) and PDE entries (bits
 * 47:21). A hit gives the physical address of the next table (and, for the guest dimension of a
 * nested walk, that table's guest-physical address), so the walk starts below the cached level.
 */
public final class PagingStructureCacheSet {
  private final Tlb[] byLevel = new Tlb[5]; // index = level of the cached entry (2..4)

  /**
   * @param policy the replacement policy of each cache whose profile names none (the TLBs')
   */
  public PagingStructureCacheSet(
      TlbLevel pml4e, TlbLevel pdpte, TlbLevel pde, String policy, long seed, StatGroup stats) {
    byLevel[4] = Tlb.of(pml4e, pml4e.replacementOr(policy), seed, stats.group("pml4e"));
    byLevel[3] = Tlb.of(pdpte, pdpte.replacementOr(policy), seed + 1, stats.group("pdpte"));
    byLevel[2] = Tlb.of(pde, pde.replacementOr(policy), seed + 2, stats.group("pde"));
  }

  /** Key of the entry at {@code level} for {@code address}: the address bits above the level. */
  public static long key(long address, int level) {
    return address >>> (12 + 9 * (level - 1));
  }

  /** The cache of entries at {@code level} (2, 3 or 4). */
  public Tlb level(int level) {
    return byLevel[level];
  }

  /** Drops every entry whose context matches {@code value} under {@code mask}. */
  public void invalidate(int value, int mask) {
    for (int l = 2; l <= 4; l++) {
      byLevel[l].invalidate(value, mask, -1, false);
    }
  }
}
