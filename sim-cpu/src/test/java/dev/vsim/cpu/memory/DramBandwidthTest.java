package dev.vsim.cpu.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.StatGroup;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import org.junit.jupiter.api.Test;

/**
 * A 1 GHz clock keeps the arithmetic readable: 10 GB/s of channels is 10 bytes per cycle, a core
 * that streams 4 GB/s moves 4 bytes per cycle.
 */
class DramBandwidthTest {
  private static final long HZ = 1_000_000_000L;
  private final EventKernel kernel = new EventKernel();
  private final DramBandwidth dram = new DramBandwidth(kernel, 10 * HZ, HZ, new StatGroup("d"));
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
}
