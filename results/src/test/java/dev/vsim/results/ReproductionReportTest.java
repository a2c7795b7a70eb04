package dev.vsim.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.results.Reproduction.FigureReport;
import dev.vsim.results.Reproduction.PlotFile;
import dev.vsim.results.Reproduction.TalkReport;
import dev.vsim.results.Reproduction.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReproductionReportTest {
  @TempDir Path tmp;

  @Test
  void aBandHoldsAtItsEndsAndNotBeyond() {
    assertTrue(Verdict.band("q", "l", 2.75, 2.75, 3.25, "misses", "").holds());
    assertTrue(Verdict.band("q", "l", 3.25, 2.75, 3.25, "misses", "").holds());
    assertFalse(Verdict.band("q", "l", 2.678, 2.75, 3.25, "misses", "").holds());
    assertEquals("2.750 – 3.250", Verdict.band("q", "l", 3, 2.75, 3.25, "", "").talkSide());
    assertEquals("5.000", Verdict.band("q", "l", 5, 5, 5, "", "").talkSide());
  }

  @Test
  void anOrderingIsStrictAndAMissingValueNeverHolds() {
    assertTrue(Verdict.order("q", "l", 1, 2, true, "", "").holds());
    assertFalse(Verdict.order("q", "l", 2, 2, true, "", "").holds());
    assertTrue(Verdict.order("q", "l", 3, 2, false, "", "").holds());
    assertEquals("below 2.000", Verdict.order("q", "l", 1, 2, true, "", "").talkSide());
    Verdict missing = Verdict.order("q", "l", 1, Double.NaN, true, "", "");
    assertEquals("missing", missing.verdictWord());
    assertFalse(missing.holds());
    assertEquals("missing", Verdict.band("q", "l", Double.NaN, 1, 2, "", "").verdictWord());
  }

  @Test
  void anInlinedSvgHasNoPrologNoNamespacesAndIdsOfItsOwn() {
    String svg =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
            + "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\""
            + " \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
            + "<svg xmlns:xlink=\"http://www.w3.org/1999/xlink\" height=\"540px\""
            + " xmlns=\"http://www.w3.org/2000/svg\"><defs><clipPath id=\"clip1\"><rect/></clipPath>"
            + "</defs><g clip-path=\"url(#clip1)\"><rect/></g></svg>";
    String in = ReproductionReport.inlineSvg(svg, "p7");
    assertFalse(in.contains("http"), in);
    assertFalse(in.contains("<?xml"), in);
    assertTrue(in.startsWith("<svg role=\"img\""), in);
    assertTrue(in.contains("id=\"p7-1\"") && in.contains("url(#p7-1)"), in);
    assertFalse(in.contains("\"clip1\"") || in.contains("#clip1)"), in);
  }

  @Test
  void theReportShowsEveryFigureVerdictAndCommandAndLoadsNothingFromElsewhere() throws Exception {
    Path runPlots = Files.createDirectories(tmp.resolve("runs/x/plots"));
    new BarPlot("finish", "Finish times", "s", List.of("a", "b"))
        .series("simulated", List.of(1.0, 2.0))
        .write(runPlots);
    FigureReport f =
        new FigureReport(
            "003-times",
            "Per-vCPU time <to dirty>",
            "18 - 21 s",
            "x",
            List.of(
                Verdict.band("median time, MMU lock", "base", 19.5, 13.5, 26.25, "s", "the talk"),
                Verdict.band("median time, pre-populated", "pre", 4.0, 1.5, 3.125, "s", "talk"),
                Verdict.order("faster with PV", "pv", 1, 2, true, "us", "talk")),
            List.of(new PlotFile("the run's plot", runPlots.resolve("finish.svg"))),
            List.of("./vsim run x --set /vms/0/vcpus=8"),
            "runs/x",
            List.of("plot cdf: not produced by the run of x"));
    TalkReport t =
        new TalkReport("003", "slug", "A talk", "Someone, 2020", List.of(f), List.of("zeroing"));
    new ReproductionReport("vsim reproduce", List.of("Made by `./vsim reproduce 003`."), List.of(t))
        .write(tmp);
    String md = Files.readString(tmp.resolve(ReproductionReport.REPORT_MD));
    String html = Files.readString(tmp.resolve(ReproductionReport.REPORT_HTML));
    for (String s : List.of(md, html)) {
      assertTrue(s.contains("./vsim run x --set /vms/0/vcpus=8"), "the re-run command");
      assertTrue(s.contains("zeroing"), "figures no scenario reproduces are listed");
      assertTrue(s.contains("below 2.000"), "an ordering's other side");
      assertTrue(s.contains("Missing: plot cdf: not produced by the run of x"), "said, not hidden");
    }
    assertTrue(md.contains("| median time, MMU lock | 19.50 | 13.50 – 26.25 | s | yes |"), md);
    assertTrue(md.contains("| median time, pre-populated | 4.000 | 1.500 – 3.125 | s | no |"), md);
    assertTrue(md.contains("| 003 slug | Per-vCPU time <to dirty> | 2 / 3 |"), md);
    assertTrue(md.contains("](runs/x/plots/finish.svg)"), md);
    assertTrue(md.contains("](plots/003-times-talk-1.svg)"), "the comparison plot of the bands");
    assertTrue(html.contains("Per-vCPU time &lt;to dirty&gt;"), "text is escaped");
    // Self-contained: no address anywhere, no file loaded, every plot inline.
    assertFalse(Pattern.compile("https?:").matcher(html).find(), "no http(s) reference");
    assertFalse(Pattern.compile("<(img|link|iframe|object|embed)\\b|\\bsrc=").matcher(html).find());
    // The run's plot, the bands' plot (s) and the ordering's plot (us).
    assertEquals(3, count(html, "<svg "));
    assertEquals(3, count(html, "<figure>"));
    assertTrue(Files.isRegularFile(tmp.resolve("plots/003-times-order-2.svg")));
  }

  @Test
  void aComparisonWhoseBarsAreAllZeroIsNotDrawnAndNoPlotHasNaNCoordinates() throws Exception {
    FigureReport f =
        new FigureReport(
            "f",
            "t",
            "",
            "x",
            List.of(
                Verdict.band("no faults", "a", 0, 0, 0, "faults", ""),
                Verdict.band("restored per split", "b", 1, 1, 1, "ratio", ""),
                Verdict.order("more than none", "c", 0, 0, false, "ratio", "")),
            List.of(),
            List.of("./vsim run x"),
            "runs/x",
            List.of());
    var plots = ReproductionReport.comparisonPlots(f);
    assertEquals(1, plots.size(), plots.keySet().toString());
    for (BarPlot p : plots.values()) {
      p.write(tmp);
      assertFalse(Files.readString(tmp.resolve(p.name() + ".svg")).contains("NaN"), p.name());
    }
  }

  private static int count(String s, String what) {
    Matcher m = Pattern.compile(Pattern.quote(what)).matcher(s);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
