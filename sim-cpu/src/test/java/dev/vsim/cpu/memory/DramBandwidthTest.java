package dev.vsim.cpu.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.StatGroup;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A 1 GHz clock keeps the arithmetic readable: 10 GB/s of channels is 10 bytes per cycle, a core
 * that streams 4 GB/s moves 4 bytes per cycle.
 */
class DramBandwidthTest {
  private static final long HZ = 1_000_000_000L;
  private final EventKernel kernel = new EventKernel();
  private final StatGroup stats = new StatGroup("d");
  private final DramBandwidth dram = new DramBandwidth(kernel, 10 * HZ, HZ, stats);
  private final LongArrayList finish = new LongArrayList();
  private final EventHandler done = (now, who) -> finish.add(who * 1_000_000 + now);

  @Test
  void aLoneStreamRunsAtItsOwnRate() {
    dram.start(4000, 4 * HZ, done, 1);
    kernel.run();
    assertEquals(LongArrayList.wrap(new long[] {1_000_000 + 1000}), finish);
  }

  @Test
  void manyStreamsShareTheChannels() {
    // Four streams of 4 B/cycle want 16 B/cycle; the channels give 10, so 2.5 each.
    for (int s = 1; s <= 4; s++) {
      dram.start(5000, 4 * HZ, done, s);
    }
    assertArrayEquals(new double[] {2.5, 2.5, 2.5, 2.5}, dram.rates(), 1e-12);
    kernel.run();
    assertEquals(
        LongArrayList.wrap(new long[] {1_002_000, 2_002_000, 3_002_000, 4_002_000}), finish);
  }

  @Test
  void slowStreamsKeepTheirRateAndTheRestSplitWhatIsLeft() {
    dram.start(1000, 1 * HZ, done, 1); // capped at 1 B/cycle
    dram.start(9000, 8 * HZ, done, 2); // could take 8: shares the other 9 with stream 3
    dram.start(9000, 8 * HZ, done, 3);
    assertArrayEquals(new double[] {1, 4.5, 4.5}, dram.rates(), 1e-12);
    kernel.run();
    // Stream 1 ends at 1,000; streams 2 and 3 have 4,500 left each and now share 10 B/cycle (5
    // each, under their cap of 8): 900 more cycles.
    assertEquals(LongArrayList.wrap(new long[] {1_001_000, 2_001_900, 3_001_900}), finish);
  }

  @Test
  void anArrivalSlowsTheStreamsAlreadyRunning() {
    dram.start(10_000, 10 * HZ, done, 1); // alone: 10 B/cycle
    kernel.schedule(500, (now, a) -> dram.start(2_500, 10 * HZ, done, 2), 0);
    kernel.run();
    // At 500 stream 1 has 5,000 left; both then move 5 B/cycle: stream 2 ends at 1,000;
    // stream 1 has 2,500 left and ends 250 cycles later, at 1,250.
    assertEquals(LongArrayList.wrap(new long[] {2_001_000, 1_001_250}), finish);
  }

  @Test
  void thirtyTwoEqualStreamsAreBandwidthBoundAndFinishTogether() {
    // 32 streams of 4 B/cycle want 128; the channels give 10, so 10/32 = 0.3125 each. All
    // 32 x 1,000 bytes move at the full 10 B/cycle: they all end at 32,000 / 10 = 3,200.
    long[] expected = new long[32];
    for (int s = 1; s <= 32; s++) {
      dram.start(1000, 4 * HZ, done, s);
      expected[s - 1] = s * 1_000_000L + 3200;
    }
    assertEquals(32, dram.active());
    double[] share = new double[32];
    Arrays.fill(share, 0.3125);
    assertArrayEquals(share, dram.rates(), 1e-12);
    assertEquals(1, kernel.pending(), "one completion event for the whole class");
    kernel.run();
    assertEquals(LongArrayList.wrap(expected), finish); // reported in start order
    assertEquals(0, dram.active());
    assertEquals(32_000, stats.snapshot().get("d.bytes").longValue());
    assertEquals(32, stats.snapshot().get("d.streams").longValue());
  }

  @Test
  void twoClassesShareMaxMinFairly() {
    // Caps 2 and 8 B/cycle, two streams each, started interleaved. The fair share is 10/4 = 2.5:
    // the 2 B/cycle streams are below it and keep their cap (4 in all); the other two split the
    // 6 left, 3 each (under their cap of 8).
    dram.start(2000, 2 * HZ, done, 1);
    dram.start(6000, 8 * HZ, done, 2);
    dram.start(2000, 2 * HZ, done, 3);
    dram.start(6000, 8 * HZ, done, 4);
    assertArrayEquals(new double[] {2, 3, 2, 3}, dram.rates(), 1e-12);
    assertEquals(2, kernel.pending(), "one completion event per class");
    kernel.runUntil(1000);
    // Streams 1 and 3 end at 2,000 / 2 = 1,000. Streams 2 and 4 have moved 3,000 and have 3,000
    // left; alone they get 5 B/cycle each: 600 more cycles, so they end at 1,600.
    assertEquals(LongArrayList.wrap(new long[] {1_001_000, 3_001_000}), finish);
    assertArrayEquals(new double[] {5, 5}, dram.rates(), 1e-12);
    kernel.run();
    assertEquals(
        LongArrayList.wrap(new long[] {1_001_000, 3_001_000, 2_001_600, 4_001_600}), finish);
  }

  @Test
  void aCompletionHandlerCanStartTheNextStream() {
    // Streams 1 and 2 (4 B/cycle each, 8 of the 10 in all) start together. When stream 1 ends at
    // 400 / 4 = 100, its handler starts stream 3 in the same cycle; stream 2 has 400 left, and
    // the two run at 4 B/cycle side by side, ending at 100 + 400 / 4 = 200.
    EventHandler chain =
        (now, who) -> {
          finish.add(who * 1_000_000 + now);
          if (who == 1) {
            assertEquals(1, dram.active(), "stream 1 is gone before its handler runs");
            dram.start(400, 4 * HZ, done, 3);
          }
        };
    dram.start(400, 4 * HZ, chain, 1);
    dram.start(800, 4 * HZ, done, 2);
    kernel.run();
    assertEquals(LongArrayList.wrap(new long[] {1_000_100, 2_000_200, 3_000_200}), finish);
  }

  @Test
  void aLongChainOfStreamsStartedFromHandlersRecyclesItsSlot() {
    // Each 10-byte stream at 10 B/cycle takes one cycle and starts the next from its handler.
    int[] left = {1000};
    EventHandler[] next = new EventHandler[1];
    next[0] =
        (now, who) -> {
          finish.add(now);
          if (--left[0] > 0) {
            dram.start(10, 10 * HZ, next[0], 0);
          }
        };
    dram.start(10, 10 * HZ, next[0], 0);
    kernel.run();
    assertEquals(1000, finish.size());
    assertEquals(1000, finish.getLong(999));
  }

  @Test
  void aLateArrivalSlowsAStreamRunningAtItsCap() {
    // A (cap 8) runs alone at 8 B/cycle; at 500 it has moved 4,000 and has 4,000 left. B (cap 6)
    // joins: the fair share is 5, under both caps, so each moves 5 B/cycle. B's 1,000 bytes take
    // 200 cycles (ends at 700); A has 3,000 left then, alone again at 8: 375 cycles, ending at
    // 1,075.
    dram.start(8000, 8 * HZ, done, 1);
    assertArrayEquals(new double[] {8}, dram.rates(), 1e-12);
    kernel.schedule(
        500,
        (now, a) -> {
          dram.start(1000, 6 * HZ, done, 2);
          assertArrayEquals(new double[] {5, 5}, dram.rates(), 1e-12);
        },
        0);
    kernel.run();
    assertEquals(LongArrayList.wrap(new long[] {2_000_700, 1_001_075}), finish);
  }

  @Test
  void matchesExactWaterFillingOnARandomWorkload() {
    // Overlapping streams of four caps arrive at random; each must end at the cycle an exact
    // rational model gives, so the per-class clocks neither drift nor round a completion late.
    int n = 2000;
    long[] at = new long[n];
    long[] length = new long[n];
    long[] cap = new long[n];
    long[] got = new long[n];
    SplittableRandom rnd = new SplittableRandom(42);
    long[] caps = {1, 3, 4, 7};
    long t = 0;
    for (int i = 0; i < n; i++) {
      t += rnd.nextInt(300);
      at[i] = t;
      length[i] = 1 + rnd.nextInt(2_400);
      cap[i] = caps[rnd.nextInt(caps.length)];
      int tag = i;
      kernel.schedule(
          t,
          (now, a) -> dram.start(length[tag], cap[tag] * HZ, (c, w) -> got[(int) w] = c, tag),
          0);
    }
    kernel.run();
    Exact exact = new Exact(at, length, cap, 10);
    assertTrue(exact.maxActive >= 8, "the streams overlap: " + exact.maxActive);
    assertArrayEquals(exact.finish, got);
  }

  /**
   * Water-filling per stream in exact rationals, stepping from one event cycle to the next: the
   * next event is the next arrival or the first cycle by which some stream has moved every byte.
   */
  private static final class Exact {
    final long[] finish;
    int maxActive;

    Exact(long[] at, long[] length, long[] cap, long total) {
      int n = at.length;
      finish = new long[n];
      Q[] remaining = new Q[n];
      Q[] rate = new Q[n];
      List<Integer> active = new ArrayList<>();
      long now = 0;
      int next = 0;
      while (next < n || !active.isEmpty()) {
        long until = next < n ? at[next] : Long.MAX_VALUE;
        for (int i : active) {
          until = Math.min(until, now + remaining[i].div(rate[i]).ceil());
        }
        for (Iterator<Integer> it = active.iterator(); it.hasNext(); ) {
          int i = it.next();
          remaining[i] = remaining[i].sub(rate[i].mul(Q.of(until - now)));
          if (remaining[i].signum() <= 0) {
            finish[i] = until;
            it.remove();
          }
        }
        now = until;
        while (next < n && at[next] == now) {
          remaining[next] = Q.of(length[next]);
          active.add(next++);
        }
        maxActive = Math.max(maxActive, active.size());
        active.sort(Comparator.comparingLong(i -> cap[i]));
        Q left = Q.of(total);
        int unfixed = active.size();
        for (int i : active) {
          if (Q.of(cap[i]).compareTo(left.div(Q.of(unfixed))) <= 0) {
            rate[i] = Q.of(cap[i]);
            left = left.sub(rate[i]);
            unfixed--;
          } else {
            rate[i] = left.div(Q.of(unfixed)); // every later cap is larger still
          }
        }
      }
    }
  }

  /** A rational number, kept in lowest terms with a positive denominator. */
  private record Q(BigInteger num, BigInteger den) implements Comparable<Q> {
    static Q of(long v) {
      return new Q(BigInteger.valueOf(v), BigInteger.ONE);
    }

    static Q make(BigInteger num, BigInteger den) {
      if (den.signum() < 0) {
        num = num.negate();
        den = den.negate();
      }
      BigInteger g = num.gcd(den);
      return new Q(num.divide(g), den.divide(g));
    }

    Q sub(Q o) {
      return make(num.multiply(o.den).subtract(o.num.multiply(den)), den.multiply(o.den));
    }

    Q mul(Q o) {
      return make(num.multiply(o.num), den.multiply(o.den));
    }

    Q div(Q o) {
      return make(num.multiply(o.den), den.multiply(o.num));
    }

    int signum() {
      return num.signum();
    }

    long ceil() {
      BigInteger[] qr = num.divideAndRemainder(den);
      return qr[0].longValueExact() + (qr[1].signum() > 0 ? 1 : 0);
    }

    @Override
    public int compareTo(Q o) {
      return num.multiply(o.den).compareTo(o.num.multiply(den));
    }
  }
}
