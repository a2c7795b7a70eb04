package dev.vsim.hypervisor.memory;

/**
 * What host memory backs a memslot, which bounds the size of the EPT mappings KVM can install (it
 * maps at the largest size that the host's own mapping of the page allows).
 */
public enum Backing {
  /** Anonymous memory in 4 KiB pages (transparent huge pages off). */
  ANONYMOUS("anonymous", 4096),
  /** Anonymous memory with transparent huge pages: 2 MiB pages allocated on first touch. */
  THP("thp", 2L << 20),
  /** hugetlbfs with 2 MiB pages. */
  HUGETLB_2M("hugetlb-2m", 2L << 20),
  /** hugetlbfs with 1 GiB pages. */
  HUGETLB_1G("hugetlb-1g", 1L << 30);

  private final String id;
  private final long pageBytes;

  Backing(String id, long pageBytes) {
    this.id = id;
    this.pageBytes = pageBytes;
  }

  /** The name scenarios use. */
  public String id() {
    return id;
  }

  /** Size of one host page: the unit allocated, zeroed and mapped at once. */
  public long pageBytes() {
    return pageBytes;
  }

  /** The backing named {@code id}; the message lists the names when there is none. */
  public static Backing of(String id) {
    for (Backing b : values()) {
      if (b.id.equals(id)) {
        return b;
      }
    }
    throw new IllegalArgumentException(
        "unknown backing \"" + id + "\"; use anonymous, thp, hugetlb-2m or hugetlb-1g");
  }
}
