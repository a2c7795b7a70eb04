package dev.vsim.cpu.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.stats.StatGroup;
import org.junit.jupiter.api.Test;

class CacheLinesTest {
  private final StatGroup stats = new StatGroup("");

  @Test
  void aLineCostsATransferOnlyWhenAnotherCoreWroteItLast() {
    CacheLines lines = new CacheLines(1, 180, stats);
    assertEquals(0, lines.write(7, 0, 0)); // from memory: the path's own cost
    assertEquals(100, lines.write(7, 0, 100)); // still core 0's
    assertEquals(200 + 180, lines.write(7, 1, 200)); // moved to core 1
    assertEquals(1000 + 180, lines.write(7, 0, 1000)); // and back
    assertEquals(2, lines.transfers());
    assertEquals(1, lines.owner(7) + 1); // core 0 holds it
  }

  @Test
  void coresThatWriteTheLineAtOnceQueueForIt() {
    CacheLines lines = new CacheLines(1, 180, stats);
    lines.write(0, 0, 0);
    // Cores 1, 2 and 3 write at cycle 10: the line moves to one at a time.
    assertEquals(10 + 180, lines.write(0, 1, 10));
    assertEquals(10 + 2 * 180, lines.write(0, 2, 10));
    assertEquals(10 + 3 * 180, lines.write(0, 3, 10));
    assertEquals(180L + 2 * 180, stats.snapshot().get("line_wait_cycles").longValue());
  }

  @Test
  void aLineTheDirectoryNoLongerTracksComesFromMemory() {
    CacheLines lines = new CacheLines(1, 180, stats);
    lines.write(1, 0, 0);
    lines.write(2, 1, 0); // takes the only entry
    assertEquals(50, lines.write(1, 1, 50)); // line 1 is no core's any more
    assertEquals(-1, lines.owner(2));
  }
}
