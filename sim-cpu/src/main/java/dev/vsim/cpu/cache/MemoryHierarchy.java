package dev.vsim.cpu.cache;

import dev.vsim.cpu.profile.CacheHierarchy;
import dev.vsim.cpu.profile.CacheLevel;
import dev.vsim.cpu.profile.Dram;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import java.util.function.IntSupplier;
import java.util.function.LongToIntFunction;

/**
 * Prices one memory reference by physical address through L1D, L2 and LLC (each set-associative
 * with its profile's replacement policy, LRU by default, filled on a miss at every level) and DRAM.
 * Latencies are the profile's load-to-use latencies of the level that serves the reference. On a
 * multi-socket host ({@link #setNodes}) a miss to memory on another node than the accessing core's
 * takes the profile's remote DRAM latency.
 *
 * <p>L1D and L2 are a core's own. The LLC is the socket's: a hierarchy either has one of its own (a
 * what-if of a private LLC, or one hierarchy for a whole VM) or uses {@link #socketLlcs}'s cache of
 * the socket its core is on at each reference, shared with every other hierarchy there.
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
  private final SetAssociativeCache llc; // null when the socket's LLC is used
  private final SetAssociativeCache[] socketLlc;
  private final IntSupplier socket;
  private final int l1Latency;
  private final int l2Latency;
  private final int llcLatency;
  private final int dramLatency;
  // References served by each level: plain fields read by the statistics through gauges, as a
  // Counter object costs a dependent load on every reference.
  private long l1Hits;
  private long l2Hits;
  private long llcHits;
  private long dramAccesses;
  private int lastLevel;
  private LongToIntFunction nodeOf; // null: every access is local
  private IntSupplier localNode;
  private int remoteLatency;
  private long remoteAccesses;

  /** A hierarchy whose random replacement policies, if any, are seeded with 0. */
  public MemoryHierarchy(CacheHierarchy caches, Dram dram, StatGroup stats) {
    this(caches, dram, 0, stats);
  }

  /**
   * A hierarchy of the profile's caches, each level with its profile's replacement policy.
   *
   * @param seed seeds random replacement (L1D {@code seed}, L2 {@code seed + 1}, LLC {@code seed +
   *     2}); the other policies ignore it
   */
  public MemoryHierarchy(CacheHierarchy caches, Dram dram, long seed, StatGroup stats) {
    this(caches, dram, seed, null, null, stats);
  }

  /**
   * A core's private L1D and L2 in front of the LLC of the socket it runs on.
   *
   * @param llcs the host's LLCs, one per socket ({@link #socketLlcs})
   * @param socket the socket of the core referencing now
   */
  public MemoryHierarchy(
      CacheHierarchy caches,
      Dram dram,
      long seed,
      SetAssociativeCache[] llcs,
      IntSupplier socket,
      StatGroup stats) {
    int line = caches.lineBytes();
    this.lineShift = Integer.numberOfTrailingZeros(line);
    this.l1 = level(caches.l1d(), line, seed);
    this.l2 = level(caches.l2(), line, seed + 1);
    this.llc = llcs == null ? level(caches.llc(), line, seed + 2) : null;
    this.socketLlc = llcs;
    this.socket = socket;
    this.l1Latency = caches.l1d().latencyCycles();
    this.l2Latency = caches.l2().latencyCycles();
    this.llcLatency = caches.llc().latencyCycles();
    this.dramLatency = dram.latencyCycles();
    stats.gauge("l1d_hits", Unit.COUNT, "Data accesses that hit in the L1D cache", () -> l1Hits);
    stats.gauge("l2_hits", Unit.COUNT, "Data accesses that missed L1D and hit in L2", () -> l2Hits);
    stats.gauge(
        "llc_hits", Unit.COUNT, "Data accesses that missed L2 and hit in the LLC", () -> llcHits);
    stats.gauge(
        "dram_accesses",
        Unit.COUNT,
        "Data accesses that missed the LLC and went to DRAM",
        () -> dramAccesses);
  }

  /**
   * The host's LLCs, one per socket, for hierarchies that share them; random replacement, if the
   * profile asks for it, is seeded with 2 as in a hierarchy of its own.
   */
  public static SetAssociativeCache[] socketLlcs(CacheHierarchy caches, int sockets) {
    SetAssociativeCache[] llcs = new SetAssociativeCache[sockets];
    for (int k = 0; k < sockets; k++) {
      llcs[k] = level(caches.llc(), caches.lineBytes(), 2);
    }
    return llcs;
  }

  private static SetAssociativeCache level(CacheLevel c, int line, long seed) {
    return new SetAssociativeCache(c.sets(line), c.ways(), c.replacement(), seed);
  }

  /** The latency of a load of {@code physicalAddress}, updating every level's contents. */
  public int access(long physicalAddress) {
    long line = physicalAddress >>> lineShift;
    if (l1.access(line)) { // the common case, kept short
      lastLevel = L1;
      l1Hits++;
      return l1Latency;
    }
    return accessBeyondL1(line);
  }

  // Out of line, so that the L1 path inlines into the walker without three copies of a cache.
  private int accessBeyondL1(long line) {
    if (l2.access(line)) {
      lastLevel = L2;
      l2Hits++;
      return l2Latency;
    }
    SetAssociativeCache last = llc != null ? llc : socketLlc[socket.getAsInt()];
    if (last.access(line)) {
      lastLevel = LLC;
      llcHits++;
      return llcLatency;
    }
    lastLevel = DRAM;
    dramAccesses++;
    if (nodeOf != null) {
      int node = nodeOf.applyAsInt(line << lineShift);
      if (node >= 0 && node != localNode.getAsInt()) {
        remoteAccesses++;
        return remoteLatency;
      }
    }
    return dramLatency;
  }

  /**
   * Prices misses by where the memory is: {@code nodeOf} gives the NUMA node of a physical address
   * (-1: treated as local), {@code localNode} the node of the core accessing now, and a miss to
   * another node costs {@code remoteLatencyCycles}.
   *
   * @param stats the hierarchy's group, for {@code dram_remote_accesses}
   */
  public void setNodes(
      LongToIntFunction nodeOf, IntSupplier localNode, int remoteLatencyCycles, StatGroup stats) {
    this.nodeOf = nodeOf;
    this.localNode = localNode;
    this.remoteLatency = remoteLatencyCycles;
    stats.gauge(
        "dram_remote_accesses",
        Unit.COUNT,
        "Data accesses that missed the LLC and went to another socket's memory",
        () -> remoteAccesses);
  }

  /** The level that served the last {@link #access}: {@link #L1} .. {@link #DRAM}. */
  public int lastLevel() {
    return lastLevel;
  }

  public long dramAccesses() {
    return dramAccesses;
  }
}
