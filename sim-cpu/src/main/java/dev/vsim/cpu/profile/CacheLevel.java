package dev.vsim.cpu.profile;

import dev.vsim.cpu.units.ByteSize;

/**
 * One level of a set-associative cache.
 *
 * @param size total capacity
 * @param ways associativity
 * @param latencyCycles load-to-use latency of a hit at this level
 */
public record CacheLevel(ByteSize size, int ways, int latencyCycles) {
  public CacheLevel {
    if (size == null || size.bytes() <= 0) {
      throw new IllegalArgumentException("cache size must be positive");
    }
    Checks.positive("ways", ways);
    Checks.positive("latencyCycles", latencyCycles);
  }

  /** Number of sets for a given line size; the size must divide evenly. */
  public int sets(int lineBytes) {
    long lines = size.bytes() / lineBytes;
    if (lines % ways != 0 || lines == 0) {
      throw new IllegalArgumentException(
          "cache of " + size + " with " + ways + " ways does not divide into sets");
    }
    return (int) (lines / ways);
  }
}
