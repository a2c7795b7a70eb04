package dev.vsim.hypervisor.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.StatGroup;
import org.junit.jupiter.api.Test;

/** The mmap_lock's line, the memory cgroup's page counters and the per-CPU LRU batches. */
class SharedLinesTest {
  private final StatGroup stats = new StatGroup("");

  @Test
  void twoCoresThatAlternateOnTheMmapLockPayATransferForEachDownAndUpRead() {
    MmapLock lock = new MmapLock(180, stats);
    // Core 0 faults alone: the line stays in its cache.
    assertEquals(0, lock.readLock(0, 0));
    assertEquals(1000, lock.readUnlock(0, 1000));
    // Core 1's fault: its down_read and up_read each find the line where the other core left it.
    assertEquals(1000 + 180, lock.readLock(1, 1000));
    assertEquals(2000, lock.readUnlock(1, 2000)); // core 1 wrote it last
    assertEquals(2000 + 180, lock.readLock(0, 2000));
    // While core 0 holds it for read, core 1 takes it too: readers share the lock, not the line.
    assertEquals(2500 + 180, lock.readLock(1, 2500));
    assertEquals(2700 + 180, lock.readUnlock(0, 2700));
    assertEquals(3000 + 180, lock.readUnlock(1, 3000));
    assertEquals(5L, lock.lineTransfers());
  }

  @Test
  void chargesGoToThePageCountersOncePerBatchOfTheCpusStock() {
    MemcgCharge memcg = new MemcgCharge(64, 3, 180, 2, stats);
    // CPU 0's first page: its stock is empty, 64 pages charged to the 3 counters (first touch of
    // each line: no transfer); 63 pages left in the stock.
    assertEquals(0, memcg.charge(0, 1, 0));
    for (int i = 0; i < 63; i++) {
      assertEquals(10, memcg.charge(0, 1, 10));
    }
    assertEquals(0, memcg.stock(0));
    // CPU 1 charges next: each of the 3 counters' lines moves over from CPU 0, one after another.
    assertEquals(100 + 3 * 180, memcg.charge(1, 1, 100));
    // A 2 MiB folio is larger than a batch: it is charged whole, leaving the stock as it was.
    assertEquals(1000, memcg.charge(1, 512, 1000));
    assertEquals(63, memcg.stock(1));
    assertEquals(3L, stats.snapshot().get("stock_refills"));
  }

  @Test
  void theThirtyFirstFolioDrainsTheBatchUnderTheLruvecLock() {
    EventKernel kernel = new EventKernel();
    LruBatches lru = new LruBatches(kernel, 31, 50, 180, 2, 2, stats);
    for (int i = 0; i < 30; i++) {
      assertEquals(0, lru.add(0, 0, false, null, 0));
    }
    long[] done = new long[2];
    assertEquals(-1, lru.add(0, 0, false, (now, arg) -> done[0] = now, 0));
    // A large folio is never batched: CPU 1 waits for the lock CPU 0 holds for 31 x 50 cycles.
    assertEquals(-1, lru.add(1, 1, true, (now, arg) -> done[1] = now, 0));
    kernel.run();
    assertEquals(31 * 50, done[0]);
    assertEquals(31 * 50 + 180 + 50, done[1]);
    assertEquals(0, lru.batched(0));
  }
}
