package dev.vsim.mmu.tlb;

import dev.vsim.cpu.cache.CacheReplacementPolicies;
import dev.vsim.cpu.cache.CacheReplacementPolicies.Kind;
import dev.vsim.cpu.cache.CacheReplacementPolicies.Policy;
import dev.vsim.cpu.cache.RecencyOrder;
import dev.vsim.cpu.registry.Registry;
import java.util.Arrays;

/**
 * The replacement policies a TLB or paging-structure cache can name in a hardware profile ({@code
 * "tlb": {"replacement": "lru", "stlb": {"replacement": "bit-plru"}}}).
 */
public final class ReplacementPolicies {
  private ReplacementPolicies() {}

  /**
   * Every TLB replacement policy by name, the default first: the TLBs' own exact LRU, then the
   * policies the data caches offer too.
   */
  public static final Registry<Kind> REGISTRY =
      CacheReplacementPolicies.withSharedPolicies(
          new Registry<Kind>(
                  "tlb replacement policy",
                  "which entry of a full set a TLB level or a paging-structure cache evicts on a"
                      + " fill")
              .register(
                  "lru",
                  "true least-recently-used, exact at every associativity (the default)",
                  new Kind(Integer.MAX_VALUE, (sets, ways, seed) -> new Lru(sets, ways))));

  /** The message for {@code ways} beyond what policy {@code name} supports, or null if it fits. */
  public static String waysProblem(String name, int ways) {
    return CacheReplacementPolicies.waysProblem(REGISTRY, name, ways);
  }

  /**
   * A policy for a structure of {@code sets} x {@code ways}.
   *
   * @param seed seeds the random policy; the others ignore it
   * @throws IllegalArgumentException for an unknown name (with a did-you-mean) or more ways than
   *     the policy supports
   */
  public static Policy create(String name, int sets, int ways, long seed) {
    Kind k = REGISTRY.get(name);
    String tooMany = waysProblem(name, ways);
    if (tooMany != null) {
      throw new IllegalArgumentException(tooMany);
    }
    return k.builder().create(sets, ways, seed);
  }

  /**
   * True least-recently-used. Sets of up to 16 ways keep their order packed in one word ({@link
   * RecencyOrder}): a touch is a few register operations and one store, the victim one shift.
   * Larger (fully associative) structures keep a recency list per set, doubly linked through int
   * arrays: a touch moves the way to the front, the victim is the back, both in constant time.
   */
  static final class Lru implements Policy {
    private final int ways;
    private final long[] order; // up to 16 ways, else null
    private final int[] prev;
    private final int[] next;
    private final int[] head;
    private final int[] tail;

    Lru(int sets, int ways) {
      this.ways = ways;
      if (ways <= RecencyOrder.MAX_WAYS) {
        // Way 0 most recent and the last way least, as the list below starts.
        this.order = new long[sets];
        Arrays.fill(order, RecencyOrder.IDENTITY);
        this.prev = null;
        this.next = null;
        this.head = null;
        this.tail = null;
        return;
      }
      this.order = null;
      this.prev = new int[sets * ways];
      this.next = new int[sets * ways];
      this.head = new int[sets];
      this.tail = new int[sets];
      for (int s = 0; s < sets; s++) {
        int b = s * ways;
        for (int w = 0; w < ways; w++) {
          prev[b + w] = w - 1;
          next[b + w] = w + 1 < ways ? w + 1 : -1;
        }
        tail[s] = ways - 1;
      }
    }

    @Override
    public void touch(int set, int way) {
      if (order != null) {
        long o = order[set];
        if (RecencyOrder.way(o, 0) != way) { // a hit on the most recent way changes nothing
          order[set] = RecencyOrder.touch(o, way);
        }
        return;
      }
      if (head[set] == way) {
        return;
      }
      int b = set * ways;
      int p = prev[b + way];
      int n = next[b + way];
      next[b + p] = n;
      if (n >= 0) {
        prev[b + n] = p;
      } else {
        tail[set] = p;
      }
      int h = head[set];
      prev[b + way] = -1;
      next[b + way] = h;
      prev[b + h] = way;
      head[set] = way;
    }

    @Override
    public int victim(int set) {
      return order != null ? RecencyOrder.way(order[set], ways - 1) : tail[set];
    }
  }
}
