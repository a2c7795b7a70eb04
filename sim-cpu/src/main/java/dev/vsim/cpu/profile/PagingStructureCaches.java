package dev.vsim.cpu.profile;

/**
 * Paging-structure caches (page-walk caches). Guest-level caches hold upper-level entries of the
 * guest's own tables keyed by linear address; EPT-level caches hold upper-level EPT entries keyed
 * by guest-physical address, which shorten the nested walks of the guest's table pointers. A cache
 * whose {@link TlbLevel#replacement} is omitted uses the TLBs' {@link TlbHierarchy#replacement}.
 *
 * @param pml4e cache of PML4 entries (linear address bits 47:39)
 * @param pdpte cache of PDPT entries (bits 47:30)
 * @param pde cache of PD entries (bits 47:21)
 * @param eptPml4e cache of EPT PML4 entries
 * @param eptPdpte cache of EPT PDPT entries
 * @param eptPde cache of EPT PD entries
 * @param latencyCycles cycles of a lookup in these caches
 */
public record PagingStructureCaches(
    TlbLevel pml4e,
    TlbLevel pdpte,
    TlbLevel pde,
    TlbLevel eptPml4e,
    TlbLevel eptPdpte,
    TlbLevel eptPde,
    int latencyCycles) {
  public PagingStructureCaches {
    Checks.nonNegative("latencyCycles", latencyCycles);
  }
}
