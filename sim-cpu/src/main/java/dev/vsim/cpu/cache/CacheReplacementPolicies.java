package dev.vsim.cpu.cache;

import dev.vsim.cpu.registry.Registry;
import java.util.SplittableRandom;

/**
 * The replacement policies a data cache level can name in a hardware profile ({@code "caches":
 * {"l2": {"replacement": "bit-plru"}}}). True LRU is built into {@link SetAssociativeCache} (its
 * fast paths); the others are objects the cache asks on a hit, a fill and a miss in a full set.
 */
public final class CacheReplacementPolicies {
  private CacheReplacementPolicies() {}

  /** The name a cache level uses when its profile names none. */
  public static final String DEFAULT = "lru";

  /**
   * Chooses which way of a set to evict; one instance serves every set of one structure (a cache
   * level, a TLB level, a paging-structure cache).
   */
  public interface Policy {
    /** The way just hit or filled. */
    void touch(int set, int way);

    /** The way to evict from a full set. */
    int victim(int set);
  }

  /** Builds a policy for a cache of {@code sets} x {@code ways}. */
  @FunctionalInterface
  public interface Builder {
    Policy create(int sets, int ways, long seed);
  }

  /**
   * One named policy.
   *
   * @param maxWays the largest associativity it supports
   * @param builder builds it, or null for the cache's built-in exact LRU
   */
  public record Kind(int maxWays, Builder builder) {
    /** Whether this is the cache's built-in LRU. */
    public boolean builtInLru() {
      return builder == null;
    }
  }

  /** Every cache replacement policy by name, the default first. */
  public static final Registry<Kind> REGISTRY =
      new Registry<Kind>(
              "cache replacement policy",
              "which line of a full set a data cache level (L1D, L2, LLC) evicts on a miss")
          .register(
              "lru",
              "true least-recently-used, exact at every associativity (the default)",
              new Kind(Integer.MAX_VALUE, null))
          .register(
              "bit-plru",
              "pseudo-LRU with one MRU bit per way; the victim is the first way whose bit is clear"
                  + " (at most 64 ways)",
              new Kind(64, (sets, ways, seed) -> new BitPlru(sets, ways)))
          .register(
              "random",
              "a uniformly random way, from a seeded stream",
              new Kind(Integer.MAX_VALUE, (sets, ways, seed) -> new RandomWay(ways, seed)));

  /**
   * Adds to {@code r} the policies every kind of structure offers beside its own LRU (all of this
   * registry's but {@code lru}), so that they are one implementation.
   */
  public static Registry<Kind> withSharedPolicies(Registry<Kind> r) {
    for (Registry.Entry<Kind> e : REGISTRY.entries()) {
      if (!e.value().builtInLru()) {
        r.register(e.name(), e.doc(), e.value());
      }
    }
    return r;
  }

  /** The message for {@code ways} beyond what policy {@code name} supports, or null if it fits. */
  public static String waysProblem(String name, int ways) {
    return waysProblem(REGISTRY, name, ways);
  }

  /** As {@link #waysProblem(String, int)}, for the policies of another structure. */
  public static String waysProblem(Registry<Kind> policies, String name, int ways) {
    Kind k = policies.get(name);
    return ways > k.maxWays()
        ? name + " supports at most " + k.maxWays() + " ways, not " + ways
        : null;
  }

  /**
   * Pseudo-LRU with one MRU bit per way: a touch sets the way's bit, and when every bit of a set
   * would be set, the others are cleared; the victim is the first way whose bit is clear.
   */
  public static final class BitPlru implements Policy {
    private final int ways;
    private final long[] mru;

    public BitPlru(int sets, int ways) {
      if (ways > 64) {
        throw new IllegalArgumentException("bit-plru supports at most 64 ways, not " + ways);
      }
      this.ways = ways;
      this.mru = new long[sets];
    }

    @Override
    public void touch(int set, int way) {
      long bits = mru[set] | (1L << way);
      long all = ways == 64 ? -1L : (1L << ways) - 1;
      mru[set] = bits == all ? 1L << way : bits;
    }

    @Override
    public int victim(int set) {
      // One way: its bit is always set (a touch of every way resets to it), and the first clear
      // bit would name a way the set does not have.
      return ways == 1 ? 0 : Long.numberOfTrailingZeros(~mru[set]);
    }
  }

  /** Uniformly random among the ways, from a seeded stream. */
  public static final class RandomWay implements Policy {
    private final int ways;
    private final SplittableRandom random;

    public RandomWay(int ways, long seed) {
      this.ways = ways;
      this.random = new SplittableRandom(seed);
    }

    @Override
    public void touch(int set, int way) {}

    @Override
    public int victim(int set) {
      return random.nextInt(ways);
    }
  }
}
