package dev.vsim.hypervisor.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HostMmCosts;
import dev.vsim.cpu.stats.StatGroup;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageAllocatorTest {
  private final EventKernel kernel = new EventKernel();
  private final StatGroup stats = new StatGroup("");

  /** Line transfer 10, 2 cycles a page under the zone lock, batches of 4. */
  private static HostMmCosts costs(int highMin, int highMax, int scaleMax) {
    return new HostMmCosts(10, 2, 4, highMin, highMax, scaleMax, 7, 31, 0, 64, 3, 5, 40, 0);
  }

  @Test
  void cpusThatEmptyTheirListsAtOnceQueueOnTheZoneLock() {
    PageAllocator a = new PageAllocator(kernel, costs(100, 1000, 0), 3, stats);
    int first = a.register(3);
    long[] got = new long[3];
    for (int cpu = 0; cpu < 3; cpu++) {
      int c = cpu;
      long t = a.allocate(first + c, c, PageAllocator.MOVABLE, 1, (now, arg) -> got[c] = now, 0);
      assertEquals(-1, t); // every list starts empty
    }
    kernel.run();
    // CPU 0 takes the free lock and refills 4 pages at 2 cycles each: out at 8. CPU 1 waited
    // since 0; the lock's line moves to it (10): it holds it from 18 to 26; CPU 2 from 36 to 44.
    assertArrayEquals(new long[] {8, 26, 44}, got);
    assertEquals(3, a.listPages(0, PageAllocator.MOVABLE)); // the batch less the page taken
    var m = stats.snapshot();
    assertEquals(3L, m.get("pcp_refills"));
    assertEquals(2L, m.get("zone_lock.contended"));
    // Waits: 0, 18 and 36.
    assertEquals(18L + 36, m.get("zone_lock.wait_cycles_total").longValue());

    // CPU 0 takes its 3 pages without the lock; the next one refills, uncontended, but CPU 2
    // held the lock last: its line moves over (10) before the 8 cycles of the batch.
    for (int i = 0; i < 3; i++) {
      assertEquals(kernel.now(), a.allocate(first, 0, PageAllocator.MOVABLE, 1, null, 0));
    }
    long start = kernel.now();
    long[] again = new long[1];
    a.allocate(first, 0, PageAllocator.MOVABLE, 1, (now, arg) -> again[0] = now, 0);
    kernel.run();
    assertEquals(start + 10 + 8, again[0]);
  }

  @Test
  void refillsDoubleWhileOnlyAllocationsEmptyTheList() {
    // nr_pcp_alloc: batch 4 << alloc_factor, the factor growing to 5; high grows by the batch
    // from 100 and leaves room for high - count - 4 pages: 4, 8, 16, 32, 64, 128, 128.
    assertEquals(List.of(4, 8, 16, 32, 64, 128, 128), refills(costs(100, 1000, 5), 7));
  }

  @Test
  void theHighMarkBoundsARefill() {
    // high fixed at 40: room for 40 - 0 - 4 = 36 pages; the factor stops growing at 32.
    assertEquals(List.of(4, 8, 16, 32, 36, 36), refills(costs(40, 40, 5), 6));
  }

  private List<Integer> refills(HostMmCosts c, int n) {
    PageAllocator a = new PageAllocator(kernel, c, 1, stats);
    int req = a.register(1);
    List<Integer> sizes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // Take the whole list, then one more page: that empties it and refills.
      int left = a.listPages(0, PageAllocator.MOVABLE);
      if (left > 0) {
        a.allocate(req, 0, PageAllocator.MOVABLE, left, null, 0);
      }
      a.allocate(req, 0, PageAllocator.MOVABLE, 1, (now, arg) -> {}, 0);
      kernel.run();
      sizes.add(a.listPages(0, PageAllocator.MOVABLE) + 1);
    }
    return sizes;
  }

  @Test
  void transparentHugePagesAreRefilledTwoAtATime() {
    PageAllocator a = new PageAllocator(kernel, costs(100, 1000, 5), 1, stats);
    int req = a.register(1);
    a.allocate(req, 0, PageAllocator.THP, 1, (now, arg) -> {}, 0);
    kernel.run();
    // max(pcp->batch >> 9, 2) = 2 huge pages, 2 cycles each under the lock.
    assertEquals(1, a.listPages(0, PageAllocator.THP));
    assertEquals(4, kernel.now());
  }

  @Test
  void hugetlbPagesComeFromThePoolUnderItsLock() {
    PageAllocator a = new PageAllocator(kernel, costs(100, 1000, 5), 2, stats);
    int first = a.register(2);
    long[] got = new long[2];
    a.allocateHugetlb(first, 0, (now, arg) -> got[0] = now, 0);
    a.allocateHugetlb(first + 1, 1, (now, arg) -> got[1] = now, 0);
    kernel.run();
    // 7 cycles each under hugetlb_lock, the hand-over 10.
    assertArrayEquals(new long[] {7, 7 + 10 + 7}, got);
  }
}
