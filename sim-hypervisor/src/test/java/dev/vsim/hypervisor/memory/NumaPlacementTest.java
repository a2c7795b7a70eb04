package dev.vsim.hypervisor.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.NumaNodes;
import dev.vsim.cpu.profile.Coherence;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.profile.HostMmCosts;
import dev.vsim.cpu.profile.TestProfiles;
import dev.vsim.cpu.profile.Topology;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.sync.LineDistance;
import org.junit.jupiter.api.Test;

/**
 * Host memory on a 2-socket host (2 cores per socket, 2 threads per core, Linux numbering: CPUs 0,
 * 1, 4, 5 on socket 0; 2, 3, 6, 7 on socket 1).
 */
class NumaPlacementTest {
  private static final long PAGE = 4096;
  private final EventKernel kernel = new EventKernel();

  private static HardwareProfile twoSockets() {
    HardwareProfile p = TestProfiles.skylakeServer();
    return new HardwareProfile(
        p.name(),
        p.description(),
        new Topology(2, 2, 2),
        p.frequency(),
        p.caches(),
        p.dram(),
        p.tlb(),
        p.pagingStructureCaches(),
        p.vmx(),
        p.hypervisor(),
        p.mmu(),
        p.hostMm(),
        p.power(),
        new Coherence(10, 100, 300),
        p.sources());
  }

  private HostMemory memory(MemoryPolicy policy) {
    NumaNodes numa = new NumaNodes(kernel, twoSockets(), new StatGroup("dram"));
    HostMemory m = new HostMemory(new StatGroup("hm"), numa, policy);
    m.add(new Memslot(0, 0, 64 * PAGE, 1L << 40, Backing.ANONYMOUS));
    return m;
  }

  @Test
  void firstTouchPutsThePageOnTheFaultingCpusNode() {
    HostMemory m = memory(MemoryPolicy.LOCAL);
    Memslot s = m.slots().get(0);
    assertEquals(PAGE, m.faultIn(s, 0, 2)); // CPU 2: socket 1
    assertEquals(PAGE, m.faultIn(s, PAGE, 5)); // CPU 5: socket 0 (core 1's second thread)
    assertEquals(0, m.faultIn(s, 0, 0)); // resident: stays where it is
    assertEquals(1, m.nodeOf(s, 0));
    assertEquals(0, m.nodeOf(s, PAGE));
    assertEquals(1, m.nodeOfHpa((1L << 40) + 123));
    assertEquals(-1, m.nodeOfHpa(5)); // in no memslot
    assertEquals(PAGE, m.nodeBytes(0));
    assertEquals(PAGE, m.nodeBytes(1));
  }

  @Test
  void bindAndInterleaveIgnoreTheFaultingCpu() {
    HostMemory bound = memory(MemoryPolicy.parse("bind:1"));
    Memslot b = bound.slots().get(0);
    bound.faultIn(b, 3 * PAGE, 0);
    assertEquals(1, bound.nodeOf(b, 3 * PAGE));
    HostMemory inter = memory(MemoryPolicy.INTERLEAVE);
    Memslot i = inter.slots().get(0);
    for (int p = 0; p < 4; p++) {
      inter.faultIn(i, p * PAGE, 0);
    }
    assertArrayEquals(
        new int[] {0, 1, 0, 1},
        new int[] {
          inter.nodeOf(i, 0),
          inter.nodeOf(i, PAGE),
          inter.nodeOf(i, 2 * PAGE),
          inter.nodeOf(i, 3 * PAGE)
        });
    assertThrows(IllegalArgumentException.class, () -> memory(MemoryPolicy.parse("bind:2")));
    assertThrows(IllegalArgumentException.class, () -> MemoryPolicy.parse("preferred"));
  }

  @Test
  void eachNodeHasItsZoneLock() {
    HardwareProfile p = twoSockets();
    NumaNodes numa = new NumaNodes(kernel, p, new StatGroup("dram"));
    // Line transfers by distance, 2 cycles a page under the zone lock, batches of 4.
    HostMmCosts costs = new HostMmCosts(10, 2, 4, 100, 1000, 0, 7, 31, 0, 64, 3, 5, 40, 0);
    StatGroup stats = new StatGroup("");
    PageAllocator a =
        new PageAllocator(
            kernel, costs, 8, numa, LineDistance.of(p.topology(), p.coherence(), 10), stats);
    int first = a.register(3);
    long[] got = new long[3];
    // CPUs 0 and 1 (socket 0) take node 0's pages, CPU 2 (socket 1) node 1's: only the first two
    // queue for one lock.
    a.allocate(first, 0, 0, PageAllocator.MOVABLE, 1, (now, arg) -> got[0] = now, 0);
    a.allocate(first + 1, 1, 0, PageAllocator.MOVABLE, 1, (now, arg) -> got[1] = now, 0);
    a.allocate(first + 2, 2, 1, PageAllocator.MOVABLE, 1, (now, arg) -> got[2] = now, 0);
    kernel.run();
    // CPU 0 refills 4 pages (8 cycles); the lock goes to CPU 1 on its socket (100) and it holds
    // it from 108 to 116; CPU 2 had node 1's lock to itself: out at 8.
    assertArrayEquals(new long[] {8, 116, 8}, got);
    assertEquals(3, a.listPages(1, 2, PageAllocator.MOVABLE));
    assertEquals(0, a.listPages(0, 2, PageAllocator.MOVABLE));
    var m = stats.snapshot();
    assertEquals(1L, m.get("node0.zone_lock.contended"));
    assertEquals(0L, m.get("node1.zone_lock.contended"));
  }

  @Test
  void remoteStreamsRunAtTheLatencyRatioOfTheCoreRate() {
    NumaNodes numa = new NumaNodes(kernel, twoSockets(), new StatGroup("dram"));
    // The test profile has no remote penalty: local and remote rates are equal.
    assertEquals(12_000, numa.rate(1, 0, 12_000));
    HardwareProfile p = twoSockets();
    HardwareProfile remote =
        new HardwareProfile(
            p.name(),
            p.description(),
            p.topology(),
            p.frequency(),
            p.caches(),
            new dev.vsim.cpu.profile.Dram(200, 100_000_000_000L, 12_000_000_000L, 300),
            p.tlb(),
            p.pagingStructureCaches(),
            p.vmx(),
            p.hypervisor(),
            p.mmu(),
            p.hostMm(),
            p.power(),
            p.coherence(),
            p.sources());
    NumaNodes n2 = new NumaNodes(kernel, remote, new StatGroup("dram"));
    assertEquals(12_000, n2.rate(0, 4, 12_000)); // CPU 4 is on node 0
    assertEquals(8_000, n2.rate(1, 4, 12_000)); // 12,000 x 200 / 300
    assertEquals(1, n2.nodeOf(6));
    // A core on node 0 with half its pages on each node: its lines' mean latency is 250, so it
    // moves 12,000 x 200 / 250 = 9,600 bytes a second, half to each node.
    long[] pages = {3, 3};
    assertEquals(2, n2.startSpread(pages, 6, 0, 1000, 12_000, (now, a) -> {}, 0));
    double perCycle = 4800.0 / p.frequency().baseHz();
    assertEquals(perCycle, n2.node(0).rates()[0], perCycle * 1e-9);
    assertEquals(perCycle, n2.node(1).rates()[0], perCycle * 1e-9);
    // All on one node: one stream at the full rate of that node.
    assertEquals(1, n2.startSpread(new long[] {0, 4}, 4, 0, 1000, 12_000, (now, a) -> {}, 0));
  }
}
