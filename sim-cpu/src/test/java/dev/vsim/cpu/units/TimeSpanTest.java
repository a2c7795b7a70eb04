package dev.vsim.cpu.units;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TimeSpanTest {
  @Test
  void convertsWallClockToCyclesExactly() {
    // 10 ms at 2.6 GHz = 26,000,000 cycles.
    assertEquals(26_000_000L, TimeSpan.parse("10ms").toCycles(2_600_000_000L));
    // 1 ns at 2.5 GHz = 2.5 cycles, rounded half up to 3.
    assertEquals(3L, TimeSpan.parse("1ns").toCycles(2_500_000_000L));
    // An hour at 3.7 GHz does not overflow.
    assertEquals(3600L * 3_700_000_000L, TimeSpan.parse("3600s").toCycles(3_700_000_000L));
  }

  @Test
  void cyclesAreIndependentOfFrequency() {
    assertEquals(1500, TimeSpan.parse("1500cycles").toCycles(1));
    assertEquals(1500, TimeSpan.parse("1500cycles").toCycles(4_000_000_000L));
  }

  @Test
  void printsShortestExactSpelling() {
    assertEquals("10ms", TimeSpan.parse("10000us").toString());
    assertEquals("2s", TimeSpan.parse("2000ms").toString());
    assertEquals("1500cycles", TimeSpan.parse("1500cycles").toString());
    assertEquals("250ns", TimeSpan.parse("250ns").toString());
  }

  @Test
  void rejectsUnknownOrMissingUnits() {
    assertEquals(
        "unknown time unit \"min\" in \"5min\"; use cycles, ns, us, ms or s",
        assertThrows(IllegalArgumentException.class, () -> TimeSpan.parse("5min")).getMessage());
    assertEquals(
        "time \"10\" has no unit; add one of cycles, ns, us, ms, s",
        assertThrows(IllegalArgumentException.class, () -> TimeSpan.parse("10")).getMessage());
  }
}
