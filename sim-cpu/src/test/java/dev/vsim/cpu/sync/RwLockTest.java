package dev.vsim.cpu.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.StatGroup;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import org.junit.jupiter.api.Test;

class RwLockTest {
  private static final long HANDOFF = 50;

  private final EventKernel kernel = new EventKernel();
  private final StatGroup stats = new StatGroup("lock");
  private final RwLock lock = new RwLock(kernel, HANDOFF, stats);

  /** (time, who) of every grant. */
  private final LongArrayList grantTimes = new LongArrayList();

  private final LongArrayList grantees = new LongArrayList();
  private final EventHandler granted =
      (now, who) -> {
        grantTimes.add(now);
        grantees.add(who);
      };

  private void at(long t, Runnable r) {
    kernel.schedule(t, (now, a) -> r.run(), 0);
  }

  @Test
  void writersExcludeEachOtherAndQueueInOrder() {
    at(0, () -> lock.acquireWrite(granted, 1));
    at(10, () -> lock.acquireWrite(granted, 2));
    at(20, () -> lock.acquireWrite(granted, 3));
    at(
        100,
        () -> {
          assertTrue(lock.isWriteHeld());
          assertEquals(2, lock.waiters());
          lock.releaseWrite();
        });
    at(400, lock::releaseWrite);
    at(500, lock::releaseWrite);
    kernel.run();
    assertEquals(LongArrayList.wrap(new long[] {1, 2, 3}), grantees);
    // Each waiter runs one hand-off after the release before it.
    assertEquals(LongArrayList.wrap(new long[] {0, 150, 450}), grantTimes);
    var wait = lock.waitHistogram();
    assertEquals(3, wait.getTotalCount());
    assertEquals(430, wait.getMaxValue()); // writer 3: 20 -> 450
    assertEquals(0 + 140 + 430, wait.getMean() * wait.getTotalCount(), 0.5);
    var hold = lock.writeHoldHistogram();
    assertEquals(100 + 250 + 50, hold.getMean() * hold.getTotalCount(), 0.5);
    assertEquals(2L, stats.snapshot().get("lock.contended"));
  }

  @Test
  void readersShareAndAWaitingWriterIsNotOvertaken() {
    at(0, () -> lock.acquireRead(granted, 1));
    at(0, () -> lock.acquireRead(granted, 2));
    at(5, () -> lock.acquireWrite(granted, 3));
    at(6, () -> lock.acquireRead(granted, 4)); // behind the writer
    at(7, () -> lock.acquireRead(granted, 5));
    at(
        100,
        () -> {
          assertEquals(2, lock.readers());
          lock.releaseRead();
        });
    at(
        120,
        () -> {
          assertFalse(lock.isWriteHeld(), "the writer waits for the last reader");
          lock.releaseRead();
        });
    at(
        300,
        () -> {
          assertTrue(lock.isWriteHeld());
          lock.releaseWrite();
        });
    kernel.run();
    assertEquals(LongArrayList.wrap(new long[] {1, 2, 3, 4, 5}), grantees);
    // Both queued readers enter together after the writer.
    assertEquals(LongArrayList.wrap(new long[] {0, 0, 170, 350, 350}), grantTimes);
    assertEquals(2, lock.readers());
  }

  @Test
  void releasingALockNotHeldIsAnError() {
    assertThrows(IllegalStateException.class, lock::releaseWrite);
    assertThrows(IllegalStateException.class, lock::releaseRead);
  }
}
