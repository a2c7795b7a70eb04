package dev.vsim.hypervisor.mmu;

/** How writes are tracked while dirty logging is on. */
public enum DirtyLogMode {
  /**
   * Hardware dirty logging: SPTEs stay writable with the EPT dirty bit cleared; the processor sets
   * it on the first write, and get-dirty-log harvests and clears the bits.
   */
  DIRTY_BIT("dirty-bit"),
  /** SPTEs are write-protected; the first write to a page faults and marks it dirty. */
  WRITE_PROTECT("write-protect");

  private final String id;

  DirtyLogMode(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static DirtyLogMode of(String id) {
    for (DirtyLogMode m : values()) {
      if (m.id.equals(id)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown dirty logging mode \"" + id + "\"; use dirty-bit or write-protect");
  }
}
