package dev.vsim.cpu.profile;

/**
 * The data cache hierarchy that prices page-walk references (and, later, guest data accesses).
 *
 * @param lineBytes cache line size
 * @param l1d per-core first-level data cache
 * @param l2 per-core second-level cache
 * @param llc per-socket last-level cache
 */
public record CacheHierarchy(int lineBytes, CacheLevel l1d, CacheLevel l2, CacheLevel llc) {
  public CacheHierarchy {
    Checks.positive("lineBytes", lineBytes);
    if (Integer.bitCount(lineBytes) != 1) {
      throw new IllegalArgumentException("lineBytes must be a power of two, got " + lineBytes);
    }
  }
}
