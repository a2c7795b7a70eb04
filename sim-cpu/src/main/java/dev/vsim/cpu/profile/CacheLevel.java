package dev.vsim.cpu.profile;

import dev.vsim.cpu.cache.CacheReplacementPolicies;
import dev.vsim.cpu.units.ByteSize;

/**
 * One level of a set-associative cache.
 *
 * @param size total capacity
 * @param ways associativity
 * @param latencyCycles load-to-use latency of a hit at this level
 * @param replacement replacement policy by name ({@code vsim plugins cache-replacement-policy}
 *     lists them); may be omitted: {@code lru}
 */
public record CacheLevel(ByteSize size, int ways, int latencyCycles, @MayOmit String replacement) {
  /** A level with the default replacement policy. */
  public CacheLevel(ByteSize size, int ways, int latencyCycles) {
    this(size, ways, latencyCycles, null);
  }

  public CacheLevel {
    replacement = replacement == null ? CacheReplacementPolicies.DEFAULT : replacement;
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
