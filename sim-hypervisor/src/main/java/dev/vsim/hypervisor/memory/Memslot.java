package dev.vsim.hypervisor.memory;

/**
 * A range of guest-physical memory backed by one host mapping, as registered with {@code
 * KVM_SET_USER_MEMORY_REGION}. Host physical addresses are {@code hostBase + (gpa - gpaBase)}.
 *
 * @param id slot number
 * @param gpaBase first guest-physical address (aligned to the backing page)
 * @param bytes size (a multiple of the backing page)
 * @param hostBase host-physical address of the first byte
 * @param backing the host pages behind it
 */
public record Memslot(int id, long gpaBase, long bytes, long hostBase, Backing backing) {
  public Memslot {
    long page = backing.pageBytes();
    if (gpaBase % page != 0 || bytes <= 0 || bytes % page != 0 || hostBase % page != 0) {
      throw new IllegalArgumentException(
          "memslot " + id + " must be aligned to and a multiple of its " + page + "-byte pages");
    }
  }

  public boolean contains(long gpa) {
    return gpa >= gpaBase && gpa - gpaBase < bytes;
  }

  /** Host-physical address of a guest-physical address in this slot. */
  public long hpa(long gpa) {
    return hostBase + (gpa - gpaBase);
  }

  /** Number of 4 KiB pages. */
  public long pages4k() {
    return bytes >>> 12;
  }
}
