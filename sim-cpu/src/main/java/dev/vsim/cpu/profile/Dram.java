package dev.vsim.cpu.profile;

/**
 * Main memory: one NUMA node per socket, each with its own channels.
 *
 * @param latencyCycles load-to-use latency of a miss in every cache that the socket's own memory
 *     serves (idle memory system)
 * @param bandwidthBytesPerSecond sustained bandwidth of one socket's memory channels (each node has
 *     its own)
 * @param zeroingBytesPerSecond sustained rate at which one core clears its own node's memory (rep
 *     stosb / clear_page)
 * @param remoteLatencyCycles load-to-use latency of a miss that another socket's memory serves,
 *     across the inter-socket link; may be omitted: the local latency (no NUMA penalty)
 */
public record Dram(
    int latencyCycles,
    long bandwidthBytesPerSecond,
    long zeroingBytesPerSecond,
    @MayOmit Integer remoteLatencyCycles) {
  /** Memory with no remote penalty. */
  public Dram(int latencyCycles, long bandwidthBytesPerSecond, long zeroingBytesPerSecond) {
    this(latencyCycles, bandwidthBytesPerSecond, zeroingBytesPerSecond, null);
  }

  public Dram {
    Checks.positive("latencyCycles", latencyCycles);
    Checks.positive("bandwidthBytesPerSecond", bandwidthBytesPerSecond);
    Checks.positive("zeroingBytesPerSecond", zeroingBytesPerSecond);
    remoteLatencyCycles = remoteLatencyCycles == null ? latencyCycles : remoteLatencyCycles;
    if (remoteLatencyCycles < latencyCycles) {
      throw new IllegalArgumentException(
          "remoteLatencyCycles ("
              + remoteLatencyCycles
              + ") is below latencyCycles ("
              + latencyCycles
              + "): remote memory is never nearer than local");
    }
  }

  /** The latency of a miss served by another node's memory. */
  public int remoteLatency() {
    return remoteLatencyCycles;
  }
}
