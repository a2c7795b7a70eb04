package dev.vsim.cpu.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EventKernelTest {
  /** Records (time, arg) of every event fired. */
  private static final class Log implements EventHandler {
    final LongArrayList times = new LongArrayList();
    final LongArrayList args = new LongArrayList();

    @Override
    public void onEvent(long now, long arg) {
      times.add(now);
      args.add(arg);
    }
  }

  @Test
  void firesInTimeOrderAndSameTimeInSchedulingOrder() {
    EventKernel k = new EventKernel(12); // a 4,096-cycle window
    Log log = new Log();
    k.schedule(100, log, 1);
    k.schedule(5, log, 2);
    k.schedule(100, log, 3);
    k.schedule(5, log, 4);
    k.schedule(50_000, log, 5); // far: starts in the heap
    k.schedule(4_095, log, 6);
    k.schedule(4_096, log, 7); // just past the window
    k.run();
    assertEquals(LongArrayList.wrap(new long[] {2, 4, 1, 3, 6, 7, 5}), log.args);
    assertEquals(LongArrayList.wrap(new long[] {5, 5, 100, 100, 4095, 4096, 50_000}), log.times);
    assertEquals(50_000, k.now());
    assertEquals(7, k.eventsFired());
  }

  @Test
  void heapEventsAtTheSameTimeAsWheelEventsKeepSchedulingOrder() {
    EventKernel k = new EventKernel(12);
    Log log = new Log();
    k.schedule(9_000, log, 1); // heap
    EventHandler later = (now, a) -> k.schedule(9_000, log, 2); // wheel, same time, later seq
    k.schedule(8_990, later, 0);
    k.run();
    assertEquals(LongArrayList.wrap(new long[] {1, 2}), log.args);
  }

  @Test
  void cancelledEventsNeverFireAndStaleIdsCancelNothing() {
    EventKernel k = new EventKernel(12);
    Log log = new Log();
    long near = k.schedule(10, log, 1);
    long far = k.schedule(100_000, log, 2);
    k.schedule(20, log, 3);
    assertTrue(k.cancel(near));
    assertTrue(k.cancel(far));
    assertFalse(k.cancel(near), "cancelling twice");
    assertEquals(1, k.pending());
    k.run();
    assertEquals(LongArrayList.wrap(new long[] {3}), log.args);
    long reused = k.schedule(30, log, 4); // may reuse a freed slot
    assertFalse(k.cancel(near), "an old id must not cancel the slot's new event");
    assertFalse(k.cancel(far));
    k.run();
    assertEquals(LongArrayList.wrap(new long[] {3, 4}), log.args);
    assertFalse(k.cancel(reused), "cancel after fire");
  }

  @Test
  void runUntilStopsAtTheLimitAndAdvancesTime() {
    EventKernel k = new EventKernel(12);
    Log log = new Log();
    k.schedule(10, log, 1);
    k.schedule(3_000, log, 2);
    k.runUntil(2_999);
    assertEquals(LongArrayList.wrap(new long[] {1}), log.args);
    assertEquals(2_999, k.now());
    k.schedule(2_999, log, 3); // at the new now: still before the pending event
    k.runUntil(3_000);
    assertEquals(LongArrayList.wrap(new long[] {1, 3, 2}), log.args);
    assertThrows(IllegalArgumentException.class, () -> k.schedule(2_000, log, 9));
  }

  @Test
  void stopReturnsAfterTheCurrentEvent() {
    EventKernel k = new EventKernel();
    Log log = new Log();
    k.schedule(1, (now, a) -> k.stop(), 0);
    k.schedule(2, log, 1);
    k.run();
    assertEquals(0, log.args.size());
    assertEquals(1, k.now());
    k.run();
    assertEquals(1, log.args.size());
  }

  /** The kernel fires exactly the sequence a priority queue of (time, seq) gives. */
  @Test
  void matchesAReferenceQueueUnderRandomScheduleAndCancel() {
    SplittableRandom rnd = new SplittableRandom(42);
    EventKernel k = new EventKernel(12);
    record Ref(long time, long seq, long arg) {}
    PriorityQueue<Ref> ref =
        new PriorityQueue<>(
            (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    List<long[]> live = new ArrayList<>(); // {id, seq}
    LongArrayList fired = new LongArrayList();
    LongArrayList expected = new LongArrayList();
    long[] seq = {0};
    EventHandler h = (now, a) -> fired.add(a);
    for (int round = 0; round < 20_000; round++) {
      int op = rnd.nextInt(10);
      if (op < 6) {
        long delay =
            switch (rnd.nextInt(3)) {
              case 0 -> rnd.nextLong(8); // same bucket
              case 1 -> rnd.nextLong(2_000); // across the wheel
              default -> rnd.nextLong(200_000); // the heap
            };
        long t = k.now() + delay;
        long s = seq[0]++;
        long id = k.schedule(t, h, s);
        ref.add(new Ref(t, s, s));
        live.add(new long[] {id, s});
      } else if (op < 8 && !live.isEmpty()) {
        long[] victim = live.remove(rnd.nextInt(live.size()));
        boolean was = ref.removeIf(r -> r.seq == victim[1]);
        assertEquals(was, k.cancel(victim[0]));
      } else {
        if (!ref.isEmpty()) {
          Ref r = ref.poll();
          expected.add(r.arg);
          assertTrue(k.step());
          assertEquals(r.time, k.now());
          live.removeIf(l -> l[1] == r.seq);
        } else {
          assertFalse(k.step());
        }
      }
      assertEquals(ref.size(), k.pending());
    }
    while (!ref.isEmpty()) {
      expected.add(ref.poll().arg);
    }
    k.run();
    assertEquals(expected, fired);
  }

  @Test
  void aCancelledFarEventLeavesTheHeapAtOnce() {
    EventKernel k = new EventKernel(12);
    EventHandler h = (now, a) -> {};
    long far = k.schedule(1_000_000, h, 0);
    assertTrue(k.cancel(far));
    assertFalse(k.cancel(far), "a stale id cancels nothing");
    // Its slot is free again before its time comes: the next event reuses it.
    long next = k.schedule(2_000_000, h, 1);
    assertEquals((int) far, (int) next);
    assertEquals(1, k.pending());
    k.run();
    assertEquals(2_000_000, k.now());
  }

  @Test
  void aRescheduledEventFiresAsIfCancelledAndScheduledAgain() {
    EventKernel k = new EventKernel(12);
    LongArrayList order = new LongArrayList();
    EventHandler h = (now, a) -> order.add(a);
    long a = k.schedule(100_000, h, 1); // far: in the heap
    k.schedule(200_000, h, 2);
    long c = k.schedule(50, h, 3); // near: in the wheel
    // 1 moves to 200,000, after 2 (it takes a later sequence number), staying in the heap.
    assertEquals(a, k.reschedule(a, 200_000));
    // 3 moves from the wheel to the heap, behind both.
    long c2 = k.reschedule(c, 200_000);
    assertFalse(k.cancel(c), "the old id is gone");
    assertEquals(3, k.pending());
    k.run();
    assertEquals(LongArrayList.of(2, 1, 3), order);
    assertThrows(IllegalArgumentException.class, () -> k.reschedule(c2, 300_000));
  }
}
