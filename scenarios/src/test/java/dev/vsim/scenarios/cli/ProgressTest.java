package dev.vsim.scenarios.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void figuresGiveSimulatedTimeWallTimeRateAndTimeLeft() {
    // A quarter of the stop time in 10 s of wall time: at most 30 s more.
    assertEquals(
        "sim 2.5 s, wall 10.0 s, 1.5M events/s, at most 30.0 s left",
        Progress.figures(0.25, 2.5, 15_000_000, 10.0, true));
    assertEquals(
        "sim 120 ms, wall 3m05s, 54 events/s", Progress.figures(1.0, 0.12, 10_000, 185, false));
  }

  @Test
  void withoutATerminalALineAsEachStartsAndEndsAndEveryFewSeconds() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long[] now = {0};
    Progress p =
        new Progress(
            false,
            false,
            2,
            "point",
            new PrintStream(bytes, true, StandardCharsets.UTF_8),
            () -> now[0]);
    p.update("a", 0.0, 0.0, 0);
    now[0] = 1_000_000_000L;
    p.update("a", 0.1, 0.5, 1000);
    now[0] = Progress.LOG_EVERY_NANOS + 1;
    p.update("a", 0.5, 5.0, 100_000);
    now[0] += 1_000_000_000L;
    p.update("a", 1.0, 6.0, 120_000);
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(
        "vsim: [1/2] point a started\n"
            + "vsim: 0/2 points done\n"
            + "vsim:   a 50%: sim 5.0 s, wall 5.0 s, 20k events/s, at most 5.0 s left\n"
            + "vsim: [1/2] point a done: sim 6.0 s, wall 6.0 s, 20k events/s\n",
        out);
    assertTrue(out.lines().count() == 4, "no line for the update within the 5 s");
  }
}
