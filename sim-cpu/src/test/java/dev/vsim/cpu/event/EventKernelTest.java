package dev.vsim.cpu.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    // Beyond the coarse wheel too: 2^14 blocks of 2,048 cycles after the fine wheel's 4,096.
    long far = k.schedule(100_000_000, h, 0);
    assertTrue(k.cancel(far));
    assertFalse(k.cancel(far), "a stale id cancels nothing");
    // Its slot is free again before its time comes: the next event reuses it.
    long next = k.schedule(200_000_000, h, 1);
    assertEquals((int) far, (int) next);
    assertEquals(1, k.pending());
    k.run();
    assertEquals(200_000_000, k.now());
  }

  @Test
  void aRescheduledEventFiresAsIfCancelledAndScheduledAgain() {
    EventKernel k = new EventKernel(12);
    LongArrayList order = new LongArrayList();
    EventHandler h = (now, a) -> order.add(a);
    long a = k.schedule(100_000_000, h, 1); // far: in the heap
    k.schedule(200_000_000, h, 2);
    long c = k.schedule(50, h, 3); // near: in the fine wheel
    long d = k.schedule(100_000, h, 4); // in the coarse wheel
    // 1 moves to 20,000,000, after 2 (it takes a later sequence number), staying in the heap.
    assertEquals(a, k.reschedule(a, 200_000_000));
    // 3 moves from the fine wheel to the heap, behind both.
    long c2 = k.reschedule(c, 200_000_000);
    assertFalse(k.cancel(c), "the old id is gone");
    // 4 moves from the coarse wheel to the heap, behind all three.
    long d2 = k.reschedule(d, 200_000_000);
    assertFalse(k.cancel(d), "the old id is gone");
    assertEquals(4, k.pending());
    k.run();
    assertEquals(LongArrayList.of(2, 1, 3, 4), order);
    assertThrows(IllegalArgumentException.class, () -> k.reschedule(c2, 300_000_000));
    assertThrows(IllegalArgumentException.class, () -> k.reschedule(d2, 300_000_000));
  }

  /**
   * A long random mix of every operation against a trivially correct model (a sorted set of (time,
   * seq)): with fine wheel span F = 2^bits, block B = F / 2 and the coarse wheel's reach, delays
   * cover each level, each boundary (plus or minus a few cycles), and absolute times on block
   * edges; handlers schedule follow-ups, some at the current time; sequence numbers are reserved
   * and events placed under them later, behind events of their time scheduled since; runUntil
   * limits fall inside, on and beyond the pending events. The fired (time, handler, arg) sequence
   * must be the model's, and pending() must match it after every operation.
   */
  @ParameterizedTest
  @ValueSource(ints = {12, 14})
  void matchesAReferenceModelOverLongMixesOfEveryOperation(int bits) {
    new Differential(bits, 1_000L + bits).run(300_000);
  }

  /** The model side and the driver of the differential test. */
  private static final class Differential {
    record Ev(long time, long seq, int handler, long arg) {}

    final EventKernel k;
    final SplittableRandom rnd;
    final long fine;
    final long block;
    final long coarseReach;
    final TreeSet<Ev> model =
        new TreeSet<>(
            (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    final Map<Long, Ev> bySeq = new HashMap<>();
    final Map<Long, Long> idOf = new HashMap<>(); // seq -> kernel id
    final LongArrayList handles = new LongArrayList(); // seqs, live or not (stale ids)
    final LongArrayList reserved = new LongArrayList(); // numbers taken, not yet placed
    final List<String> fired = new ArrayList<>();
    final List<String> expected = new ArrayList<>();
    final EventHandler[] handlers = new EventHandler[3];
    long seq;
    long modelNow;

    Differential(int bits, long seed) {
      k = new EventKernel(bits);
      rnd = new SplittableRandom(seed);
      fine = 1L << bits;
      block = fine / 2;
      coarseReach = block << 14;
      for (int i = 0; i < handlers.length; i++) {
        int hid = i;
        handlers[i] = (now, arg) -> onFire(hid, now, arg);
      }
    }

    long delay() {
      return switch (rnd.nextInt(12)) {
        case 0 -> 0;
        case 1 -> rnd.nextLong(8);
        case 2 -> rnd.nextLong(block);
        case 3 -> rnd.nextLong(fine);
        case 4 -> block - 4 + rnd.nextLong(9);
        case 5 -> fine - 4 + rnd.nextLong(9);
        case 6 -> rnd.nextLong(16 * fine);
        case 7 -> rnd.nextLong(coarseReach);
        case 8 -> coarseReach - 2 * block + rnd.nextLong(4 * block);
        case 9 -> coarseReach - 4 + rnd.nextLong(9);
        case 10 -> rnd.nextLong(4 * coarseReach);
        default -> {
          // An absolute time on or next to a block edge ahead.
          long edge = (modelNow / block + 1 + rnd.nextLong(3 * fine / block + 3)) * block;
          yield edge - 1 + rnd.nextLong(3) - modelNow;
        }
      };
    }

    void schedule(long at, int hid, boolean after) {
      long s = seq++;
      long arg = rnd.nextLong(1_000_000);
      long id =
          after
              ? k.scheduleAfter(at - k.now(), handlers[hid], arg)
              : k.schedule(at, handlers[hid], arg);
      Ev e = new Ev(at, s, hid, arg);
      model.add(e);
      bySeq.put(s, e);
      idOf.put(s, id);
      handles.add(s);
    }

    void reserve() {
      assertEquals(seq++, k.reserveSequence(), "a reserved number is the next one");
      reserved.add(seq - 1);
    }

    /** Places an event under a number reserved earlier, maybe behind events scheduled since. */
    void scheduleReserved(long at, int hid) {
      int i = rnd.nextInt(reserved.size());
      long s = reserved.getLong(i);
      reserved.set(i, reserved.getLong(reserved.size() - 1));
      reserved.removeLong(reserved.size() - 1);
      long arg = rnd.nextLong(1_000_000);
      long id = k.scheduleAs(at, s, handlers[hid], arg);
      Ev e = new Ev(at, s, hid, arg);
      model.add(e);
      bySeq.put(s, e);
      idOf.put(s, id);
      handles.add(s);
    }

    void onFire(int hid, long now, long arg) {
      fired.add(now + "/" + hid + "/" + arg);
      Ev e = model.pollFirst();
      assertTrue(e != null, "fired with nothing pending");
      expected.add(e.time + "/" + e.handler + "/" + e.arg);
      bySeq.remove(e.seq);
      modelNow = e.time;
      assertEquals(e.time, now);
      // Follow-ups, scheduled while firing: some at this very cycle.
      if (arg % 4 == 0) {
        schedule(now + (arg % 8 == 0 ? 0 : delay()), (int) (arg % 3), false);
      } else if (arg % 4 == 1 && !reserved.isEmpty()) {
        scheduleReserved(now + (arg % 8 == 1 ? 0 : delay()), (int) (arg % 3));
      }
      if (arg % 97 == 0) {
        k.stop();
      }
    }

    /** A handle picked at random: its seq, its model event if still pending (or null). */
    long pick() {
      int i = rnd.nextInt(handles.size());
      long s = handles.getLong(i);
      if (!bySeq.containsKey(s) && rnd.nextInt(4) != 0) {
        // Mostly forget dead handles (keeping some as stale ids) so live ones stay likely.
        handles.set(i, handles.getLong(handles.size() - 1));
        handles.removeLong(handles.size() - 1);
      }
      return s;
    }

    void run(int ops) {
      for (int op = 0; op < ops; op++) {
        int kind = rnd.nextInt(100);
        if (kind < 35 || handles.isEmpty()) {
          schedule(k.now() + delay(), rnd.nextInt(handlers.length), rnd.nextBoolean());
        } else if (kind < 50) {
          long s = pick();
          Ev e = bySeq.remove(s);
          if (e != null) {
            model.remove(e);
          }
          assertEquals(e != null, k.cancel(idOf.get(s)), "cancel");
          assertFalse(k.cancel(idOf.get(s)), "cancel twice");
        } else if (kind < 60) {
          long s = pick();
          Ev e = bySeq.get(s);
          long at = k.now() + delay();
          long id = idOf.get(s);
          if (e == null) {
            assertThrows(IllegalArgumentException.class, () -> k.reschedule(id, at));
          } else {
            model.remove(e);
            bySeq.remove(s);
            long s2 = seq++;
            Ev moved = new Ev(at, s2, e.handler, e.arg);
            model.add(moved);
            bySeq.put(s2, moved);
            idOf.put(s2, k.reschedule(id, at));
            handles.add(s2);
          }
        } else if (kind < 63) {
          reserve();
        } else if (kind < 67 && !reserved.isEmpty()) {
          scheduleReserved(k.now() + delay(), rnd.nextInt(handlers.length));
        } else if (kind < 85) {
          boolean wasEmpty = model.isEmpty();
          assertEquals(!wasEmpty, k.step(), "step");
        } else if (kind < 98) {
          long limit =
              switch (rnd.nextInt(4)) {
                case 0 -> k.now() + delay();
                case 1 -> model.isEmpty() ? k.now() : model.first().time;
                case 2 -> k.now() - rnd.nextLong(3);
                default -> k.now() + rnd.nextLong(4 * fine);
              };
          long before = k.now();
          int firedBefore = fired.size();
          k.runUntil(limit);
          boolean stopped = fired.size() > firedBefore && Long.parseLong(lastArg()) % 97 == 0;
          if (!stopped) {
            assertTrue(model.isEmpty() || model.first().time > limit, "runUntil left one behind");
            assertEquals(
                Math.max(before, Math.max(limit, modelNow)), k.now(), "time after runUntil");
            modelNow = k.now();
          }
        } else if (rnd.nextInt(20) == 0) {
          // Drain everything, now and then with all pending events cancelled first.
          if (rnd.nextBoolean()) {
            for (Ev e : new ArrayList<>(model)) {
              assertTrue(k.cancel(idOf.get(e.seq)));
              bySeq.remove(e.seq);
            }
            model.clear();
          }
          k.run();
          while (!model.isEmpty()) { // stop() may have cut it short
            k.run();
          }
        }
        assertEquals(model.size(), k.pending(), "pending");
        assertEquals(fired.size(), expected.size());
      }
      while (!model.isEmpty()) {
        k.run();
      }
      assertEquals(0, k.pending());
      int n = Math.min(expected.size(), fired.size());
      for (int i = 0; i < n; i++) {
        assertEquals(expected.get(i), fired.get(i), "event " + i + " (time/handler/arg)");
      }
      assertEquals(expected.size(), fired.size());
      assertTrue(fired.size() > 50_000, "the mix fires enough events: " + fired.size());
    }

    private String lastArg() {
      String f = fired.get(fired.size() - 1);
      return f.substring(f.lastIndexOf('/') + 1);
    }
  }
}
