package dev.vsim.cpu.profile;

/**
 * Main memory.
 *
 * @param latencyCycles load-to-use latency of a miss in every cache (idle memory system)
 * @param bandwidthBytesPerSecond sustained bandwidth of one socket's memory channels
 * @param zeroingBytesPerSecond sustained rate at which one core clears memory (rep stosb /
 *     clear_page)
 */
public record Dram(int latencyCycles, long bandwidthBytesPerSecond, long zeroingBytesPerSecond) {
  public Dram {
    Checks.positive("latencyCycles", latencyCycles);
    Checks.positive("bandwidthBytesPerSecond", bandwidthBytesPerSecond);
    Checks.positive("zeroingBytesPerSecond", zeroingBytesPerSecond);
  }
}
