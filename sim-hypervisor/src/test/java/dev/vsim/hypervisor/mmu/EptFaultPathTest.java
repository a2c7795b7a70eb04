package dev.vsim.hypervisor.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.DramBandwidth;
import dev.vsim.cpu.profile.HostMmCosts;
import dev.vsim.cpu.profile.MmuCosts;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.hypervisor.memory.Backing;
import dev.vsim.hypervisor.memory.HostMemory;
import dev.vsim.hypervisor.memory.HostPageFault;
import dev.vsim.hypervisor.memory.Memslot;
import dev.vsim.hypervisor.memory.PageAllocator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fault path's lock modes and races, driven through KVM_PRE_FAULT_MEMORY (no guest). */
class EptFaultPathTest {
  private static final long MIB = 1L << 20;
  // Round numbers so the timings below can be derived by hand.
  private static final MmuCosts COSTS = new MmuCosts(0, 100, 10, 1000, 50, 5, 1, 1, 1, 1, 1);
  // The host kernel's shared structures at no cost: only KVM's own steps take time here.
  static final HostMmCosts FREE_HOST =
      new HostMmCosts(0, 0, 63, 1886, 196_608, 5, 0, 31, 0, 64, 3, 5, 40, 0);

  private final EventKernel kernel = new EventKernel();
  private final StatGroup stats = new StatGroup("");
  private final HostMemory host = new HostMemory(stats.group("host"));
  private final Memslot ram = host.add(new Memslot(0, 0, 4 * MIB, 1L << 40, Backing.ANONYMOUS));
  private final Ept ept = new Ept(COSTS, host, 4, 1, stats.group("ept"));
  // 4,096 bytes per cycle for zeroing: a 4 KiB page takes one cycle.
  private final DramBandwidth bw = new DramBandwidth(kernel, 4096L * 1000, 1000, stats.group("bw"));

  private EptFaultPath path(FaultDesign design) {
    return path(kernel, FREE_HOST, design, ept, bw, stats);
  }

  static EptFaultPath path(
      EventKernel k, HostMmCosts hm, FaultDesign design, Ept e, DramBandwidth b, StatGroup s) {
    PageAllocator allocator = new PageAllocator(k, hm, 2, s.group("page_allocator"));
    HostPageFault host =
        new HostPageFault(
            k,
            hm,
            COSTS.hostPageAllocCycles(),
            COSTS.gupResidentCycles(),
            0,
            allocator,
            2,
            2,
            s.group("host_mm"));
    return new EptFaultPath(k, COSTS, hm, design, e, b, 4096L * 1000, host, 2, s.group("kvm"));
  }

  private Map<String, Number> metrics() {
    return stats.snapshot();
  }

  @Test
  void racingFaultsOnTheSameGfnUnderTheTdpMmuInstallOneSpteAndTheLoserRetries() {
    EptFaultPath p = path(FaultDesign.TDP_MMU);
    int[] done = {0};
    p.prefault(0, 0, 4096, () -> done[0]++);
    p.prefault(1, 0, 4096, () -> done[0]++);
    kernel.run();
    assertEquals(2, done[0]);
    assertEquals(1L, metrics().get("ept.sptes_installed"));
    assertEquals(1L, metrics().get("kvm.ept_faults.races_lost"));
    assertEquals(1L, metrics().get("host.resident_bytes").longValue() / 4096);
    assertEquals(0, p.lock().readers());
  }

  @Test
  void twoVcpusThatFaultIntoTheSameMissingTableRaceToLinkItAndTheLoserRetries() {
    EptFaultPath p = path(FaultDesign.TDP_MMU);
    long[] finished = new long[2];
    p.prefault(0, 0, 4096, () -> finished[0] = kernel.now());
    p.prefault(1, 4096, 2 * 4096, () -> finished[1] = kernel.now());
    kernel.run();
    // Both allocate (100) and zero their pages at once, sharing the bandwidth of one page a cycle
    // (2), take the lock for read at 102 and walk to the missing last-level table (1). vCPU 0
    // links it at 103 and installs after the rest of the work (999): 1102. vCPU 1's
    // compare-exchange on the same parent entry fails at 103: it frees its table page, retries
    // (5), finds its page resident (10) and the table there, maps it (1000): 1118.
    assertEquals(100 + 2 + 1 + 999, finished[0]);
    assertEquals(103 + 5 + 10 + 1000, finished[1]);
    var m = metrics();
    assertEquals(1L, m.get("kvm.ept_faults.table_link_races"));
    assertEquals(1L, m.get("kvm.ept_faults.races_lost"));
    assertEquals(2L, m.get("ept.sptes_installed"));
    assertEquals(2L, m.get("kvm.ept_faults.prefaulted_pages"));
    // Their SPTEs share a cache line (eight SPTEs): vCPU 1's compare-exchange took it from vCPU 0.
    assertEquals(1L, m.get("kvm.ept_faults.spte_lines.line_transfers"));
  }

  @Test
  void faultsIntoTheSameTableOnceItIsLinkedDoNotRaceAndSeparateLinesDoNotMove() {
    EptFaultPath p = path(FaultDesign.TDP_MMU);
    p.prefault(0, 0, 4096, () -> {});
    kernel.run();
    // 32 KiB on: the same table, another line of SPTEs.
    p.prefault(0, 32 * 1024, 32 * 1024 + 4096, () -> {});
    p.prefault(1, 64 * 1024, 64 * 1024 + 4096, () -> {});
    kernel.run();
    var m = metrics();
    assertEquals(0L, m.get("kvm.ept_faults.table_link_races"));
    assertEquals(0L, m.get("kvm.ept_faults.spte_lines.line_transfers"));
    assertEquals(3L, m.get("ept.sptes_installed"));
  }

  @Test
  void underTheMmuLockTheSecondFaultWaitsAndFindsTheSpteInstalled() {
    EptFaultPath p = path(FaultDesign.MMU_LOCK);
    long[] finished = new long[2];
    p.prefault(0, 0, 4096, () -> finished[0] = kernel.now());
    p.prefault(1, 0, 4096, () -> finished[1] = kernel.now());
    kernel.run();
    // vCPU 0: allocate (100) + zero (1 cycle) then the lock; vCPU 1 finds the page resident
    // (gup 10) and takes the free lock first: 10 + 1000 held; vCPU 0 waits, gets it 50 later,
    // sees the SPTE and leaves after the retry check (5).
    assertEquals(10 + 1000, finished[1]);
    assertEquals(10 + 1000 + 50 + 5, finished[0]);
    assertEquals(1L, metrics().get("ept.sptes_installed"));
    assertEquals(1L, metrics().get("kvm.ept_faults.races_lost"));
  }

  @Test
  void faultsOnDifferentPagesRunInParallelUnderTheTdpMmuButNotUnderTheMmuLock() {
    long[] tdp = finishTimes(FaultDesign.TDP_MMU);
    long[] locked = finishTimes(FaultDesign.MMU_LOCK);
    // Each vCPU maps 4 pages: 4 x (alloc 100 + zero 1 + map 1000) with the pages in parallel...
    assertEquals(4 * (100 + 1 + 1000), Math.max(tdp[0], tdp[1]));
    // ...while one lock serializes the 8 maps: at least 8 x 1000 plus the handoffs between them.
    assertTrue(Math.max(locked[0], locked[1]) >= 8 * 1000 + 7 * 50);
  }

  private long[] finishTimes(FaultDesign design) {
    EventKernel k = new EventKernel();
    StatGroup s = new StatGroup("");
    HostMemory h = new HostMemory(s.group("host"));
    Memslot slot = h.add(new Memslot(0, 0, 4 * MIB, 1L << 40, Backing.ANONYMOUS));
    Ept e = new Ept(COSTS, h, 4, 1, s.group("ept"));
    DramBandwidth b = new DramBandwidth(k, 4096L * 1000 * 2, 1000, s.group("bw"));
    EptFaultPath p = path(k, FREE_HOST, design, e, b, s);
    long[] t = new long[2];
    p.prefault(0, 0, 4 * 4096, () -> t[0] = k.now());
    // In another 2 MiB range: each vCPU links its own last-level table.
    p.prefault(1, 2 * MIB, 2 * MIB + 4 * 4096, () -> t[1] = k.now());
    k.run();
    assertEquals(8L, s.snapshot().get("ept.sptes_installed"));
    assertEquals(0, slot.id());
    return t;
  }
}
