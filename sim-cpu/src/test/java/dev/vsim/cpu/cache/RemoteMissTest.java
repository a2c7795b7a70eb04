package dev.vsim.cpu.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.profile.CacheHierarchy;
import dev.vsim.cpu.profile.CacheLevel;
import dev.vsim.cpu.profile.Dram;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.units.ByteSize;
import org.junit.jupiter.api.Test;

/** A priced access that misses every cache pays the remote latency when its memory is remote. */
class RemoteMissTest {
  @Test
  void missToAnotherNodeCostsTheRemoteLatency() {
    CacheHierarchy caches =
        new CacheHierarchy(
            64,
            new CacheLevel(ByteSize.ofKiB(32), 8, 4),
            new CacheLevel(ByteSize.ofMiB(1), 16, 14),
            new CacheLevel(ByteSize.ofMiB(2), 16, 60));
    StatGroup stats = new StatGroup("mem");
    MemoryHierarchy m = new MemoryHierarchy(caches, new Dram(230, 1, 1, 364), stats);
    int[] here = {0};
    // Addresses below 1 GiB are node 0's, above node 1's; the core is on node here[0].
    m.setNodes(a -> a < (1L << 30) ? 0 : 1, () -> here[0], 364, stats);
    assertEquals(230, m.access(0x1000)); // local miss
    assertEquals(364, m.access((1L << 30) + 0x1000)); // remote miss
    assertEquals(4, m.access((1L << 30) + 0x1000)); // now cached: no memory latency
    here[0] = 1;
    assertEquals(364, m.access(0x2000)); // node 0's memory from node 1
    assertEquals(230, m.access((1L << 30) + 0x9000)); // node 1's, local now
    assertEquals(2L, stats.snapshot().get("mem.dram_remote_accesses"));
  }
}
