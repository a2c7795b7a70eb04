package dev.vsim.cpu.profile;

/**
 * The TLBs of one core.
 *
 * @param l1d4k first-level data TLB for 4 KiB pages
 * @param l1d2m first-level data TLB for 2 MiB pages
 * @param l1d1g first-level data TLB for 1 GiB pages
 * @param stlb unified second-level TLB shared by 4 KiB and 2 MiB pages
 * @param stlb1g second-level TLB entries for 1 GiB pages
 * @param replacement replacement policy by name ({@code vsim plugins tlb-replacement-policy} lists
 *     them) of every level that names none, and of the paging-structure caches that name none
 */
public record TlbHierarchy(
    TlbLevel l1d4k,
    TlbLevel l1d2m,
    TlbLevel l1d1g,
    TlbLevel stlb,
    TlbLevel stlb1g,
    String replacement) {
  public TlbHierarchy {
    replacement = replacement == null ? "lru" : replacement;
  }
}
