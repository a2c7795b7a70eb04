package dev.vsim.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
  @TempDir Path dir;

  @Test
  void logTicksAreDecadesWrittenAsPowersOfTen() {
    assertEquals("10^4", PlotStyle.logTick(4.0));
    assertEquals("1", PlotStyle.logTick(0.0));
    assertEquals("10", PlotStyle.logTick(1.0));
    assertEquals("10^-3", PlotStyle.logTick(-3.0));
    // Between decades, the value to two significant digits: 10^2.5 = 316.2...
    assertEquals("320", PlotStyle.logTick(2.5));
    assertEquals("12 000", PlotStyle.number(12000.0).replace('\u2009', ' '));
    assertEquals("0.25", PlotStyle.number(0.25));
    assertEquals("2.5x10^8", PlotStyle.number(2.5e8));
  }

  @Test
  void aCdfIsDrawnFromEveryRecordedValue() throws Exception {
    Histogram h = new Histogram(3);
    for (int v = 1; v <= 1000; v++) {
      h.recordValue(v);
    }
    CdfPlot p = new CdfPlot("cdf", "t", "latency (cycles)").curve("a", h, 1.0);
    double[][] xy = p.points("a");
    assertEquals(0.0, xy[1][0], "starts at zero");
    assertEquals(1.0, xy[1][xy[1].length - 1], "ends at one");
    assertTrue(xy[0].length > 500, "every bucket, not a dozen percentiles: " + xy[0].length);
    for (int i = 1; i < xy[0].length; i++) {
      assertTrue(xy[0][i] >= xy[0][i - 1] && xy[1][i] >= xy[1][i - 1], "monotone at " + i);
    }
    // At 500 (log10 2.699), half the samples are at or below.
    for (int i = 0; i < xy[0].length; i++) {
      if (Math.abs(Math.pow(10, xy[0][i]) - 500) < 0.5) {
        assertEquals(0.5, xy[1][i], 1e-3);
      }
    }
    p.write(dir);
    assertTrue(Files.size(dir.resolve("cdf.svg")) > 1000);
  }

  @Test
  void longCategoryNamesAreTurnedAndShortOnesAreNot() {
    BarPlot shortNames = new BarPlot("b", "t", "cycles", List.of("a", "b", "c"));
    assertEquals(0, shortNames.labelRotation());
    BarPlot longNames =
        new BarPlot(
            "b",
            "t",
            "cycles",
            List.of(
                "prepopulated-4k",
                "prepopulated-2m",
                "mmu-lock-2m",
                "tdp-mmu-4k",
                "tdp-mmu-2m",
                "prefault-4k",
                "prefault-2m",
                "base",
                "dirty-bit-on-write"));
    assertTrue(longNames.labelRotation() > 0);
  }

  @Test
  void barsWithASpreadAndLinesWithErrorBarsAreWritten() throws Exception {
    new BarPlot("spread", "t", "time (s)", List.of("a", "b"))
        .series("median", List.of(2.0, 3.0))
        .range("fastest to slowest", List.of(1.0, 2.5), List.of(4.0, 3.5))
        .write(dir);
    new LinePlot("line", "t", "x", "y (s)", false, true, List.of("1", "2", "4"))
        .series(
            "s",
            new double[] {0, 1, 2},
            new double[] {10, 100, 1000},
            new double[] {5, 50, 500},
            new double[] {20, 200, 2000})
        .write(dir);
    for (String f : List.of("spread.png", "spread.svg", "line.png", "line.svg")) {
      assertTrue(Files.size(dir.resolve(f)) > 1000, f);
    }
  }
}
