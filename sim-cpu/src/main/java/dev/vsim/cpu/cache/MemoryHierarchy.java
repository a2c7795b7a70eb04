package dev.vsim.cpu.cache;

import dev.vsim.cpu.profile.CacheHierarchy;
import dev.vsim.cpu.profile.Dram;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;

/**
 * Prices one memory reference by physical address through L1D, L2 and LLC (each set-associative
 * with LRU, filled on a miss at every level) and DRAM. Latencies are the profile's load-to-use
 * latencies of the level that serves the reference.
 */
public final class MemoryHierarchy {
  /** Which level served the last reference. */
  public static final int L1 = 0;

  public static final int L2 = 1;
  public static final int LLC = 2;
  public static final int DRAM = 3;

  private final int lineShift;
  private final SetAssociativeCache l1;
  private final SetAssociativeCache l2;
  private final SetAssociativeCache llc;
  private final int l1Latency;
  private final int l2Latency;
  private final int llcLatency;
  private final int dramLatency;
  private final Counter[] served = new Counter[4];
  private final Counter l1Hits;
  private int lastLevel;

  public MemoryHierarchy(CacheHierarchy caches, Dram dram, StatGroup stats) {
    int line = caches.lineBytes();
    this.lineShift = Integer.numberOfTrailingZeros(line);
    this.l1 = new SetAssociativeCache(caches.l1d().sets(line), caches.l1d().ways());
    this.l2 = new SetAssociativeCache(caches.l2().sets(line), caches.l2().ways());
    this.llc = new SetAssociativeCache(caches.llc().sets(line), caches.llc().ways());
    this.l1Latency = caches.l1d().latencyCycles();
    this.l2Latency = caches.l2().latencyCycles();
    this.llcLatency = caches.llc().latencyCycles();
    this.dramLatency = dram.latencyCycles();
    String[] names = {"l1d_hits", "l2_hits", "llc_hits", "dram_accesses"};
    for (int i = 0; i < 4; i++) {
      served[i] = stats.counter(names[i]);
    }
    l1Hits = served[L1];
  }

  /** The latency of a load of {@code physicalAddress}, updating every level's contents. */
  public int access(long physicalAddress) {
    long line = physicalAddress >>> lineShift;
    if (l1.access(line)) { // the common case, kept short
      lastLevel = L1;
      l1Hits.increment();
      return l1Latency;
    }
    int latency;
    if (l2.access(line)) {
      lastLevel = L2;
      latency = l2Latency;
    } else if (llc.access(line)) {
      lastLevel = LLC;
      latency = llcLatency;
    } else {
      lastLevel = DRAM;
      latency = dramLatency;
    }
    served[lastLevel].increment();
    return latency;
  }

  /** The level that served the last {@link #access}: {@link #L1} .. {@link #DRAM}. */
  public int lastLevel() {
    return lastLevel;
  }

  public long dramAccesses() {
    return served[DRAM].value();
  }
}
