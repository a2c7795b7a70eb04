package dev.vsim.scenarios.cli;

import static dev.vsim.scenarios.cli.VsimInProcess.vsim;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.scenarios.cli.VsimInProcess.Outcome;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vsim reproduce} end to end on the smallest talk (002, one scenario at its reduced size):
 * the report has every figure and verdict, report.html is self-contained, and a real headless
 * Chromium loads it without errors and renders every plot (skipped, saying so, where Chromium is
 * not installed; {@code .ci/run} installs it).
 */
class ReproduceCommandTest {
  private static final String CHROMIUM = System.getProperty("vsim.chromium", "/usr/bin/chromium");

  @TempDir static Path tmp;
  private static Path report;
  private static String md;
  private static String progress;
  private static String html;

  @BeforeAll
  static void reproduceTalk002Quickly() throws Exception {
    report = tmp.resolve("report");
    Outcome o = vsim("reproduce", "beyond-kvm-ko", "--quick", "-o", report.toString());
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("report.html"), o.out());
    progress = o.err();
    md = Files.readString(report.resolve("report.md"));
    html = Files.readString(report.resolve("report.html"));
  }

  @Test
  void progressShowsEachConfigurationsSimulatedTimeAndEvents() {
    List<String> done = progress.lines().filter(l -> l.contains(" done: ")).toList();
    assertFalse(done.isEmpty(), progress);
    for (String line : done) {
      // A finished configuration has simulated some time and moved events.
      assertFalse(line.contains("sim 0 us"), line);
      assertFalse(line.contains(" 0 events/s"), line);
    }
  }

  @Test
  void theRunIsAResultsDirectoryAsVsimRunWritesIt() {
    Path run = report.resolve("runs/large-pages");
    for (String f : List.of("result.json", "summary.md", "scenario.resolved.json", "plots")) {
      assertTrue(Files.exists(run.resolve(f)), f);
    }
    assertFalse(Files.exists(report.resolve("runs/ept-fault-designs")), "only talk 002's");
  }

  @Test
  void theReportHasEveryFigureOfTheTalkWithItsVerdictsAndReRunCommand() {
    for (String s : List.of(md, html)) {
      assertTrue(s.contains("Cache misses per random access caused by translation"), "figure 1");
      assertTrue(s.contains("Page-table memory per GiB of guest memory"), "figure 2");
      assertTrue(s.contains("./vsim run large-pages --set /vms/0/memory=512MiB"), "re-run");
      assertTrue(s.contains("Quick mode"), "says the sizes are reduced");
    }
    // The seven bands of the scenario and the four of the page tables, each with a verdict.
    Matcher rows = Pattern.compile("(?m)^\\| .* \\| (yes|no|missing) \\|$").matcher(md);
    int n = 0;
    while (rows.find()) {
      n++;
    }
    assertEquals(11, n, md);
    assertFalse(md.contains("| missing |") || md.contains("Missing: "), "every value and plot");
    assertTrue(
        md.contains(
            "| cache misses per random access, 2D 2MiB guest / 2MiB host pages | 0.9993 |"
                + " 0.7500 – 1.250 | misses | yes |"),
        md);
    assertTrue(md.contains("| 002 beyond-kvm-ko | Page-table memory per GiB of guest memory |"));
    assertTrue(md.contains("](runs/large-pages/plots/llc_misses.svg)"), md);
  }

  @Test
  void theHtmlReportIsSelfContained() {
    assertFalse(Pattern.compile("https?:").matcher(html).find(), "no http(s) reference");
    assertFalse(
        Pattern.compile("<(img|link|iframe|object|embed)\\b|\\bsrc=|url\\((?!#)")
            .matcher(html)
            .find(),
        "nothing loaded from a file or elsewhere");
    // The run's plot of misses, the two figures' plots beside the talk.
    Matcher svgs = Pattern.compile("<svg ").matcher(html);
    int n = 0;
    while (svgs.find()) {
      n++;
    }
    assertEquals(3, n);
  }

  @Test
  void anUnknownTalkIsRefusedWithADidYouMean() {
    Outcome o = vsim("reproduce", "beyond-kvm", "-o", tmp.resolve("x").toString());
    assertEquals(2, o.code());
    assertTrue(
        o.err().contains("unknown talk \"beyond-kvm\"; did you mean beyond-kvm-ko?"), o.err());
    assertFalse(Files.exists(tmp.resolve("x")), "nothing made");
  }

  @Test
  void aNonEmptyOutputIsRefusedBeforeSimulating() throws Exception {
    Path full = Files.createDirectories(tmp.resolve("full"));
    Files.writeString(full.resolve("keep"), "x");
    Outcome o = vsim("reproduce", "002", "--quick", "-o", full.toString());
    assertEquals(2, o.code());
    assertTrue(o.err().contains("not empty"), o.err());
  }

  private static Path chromium() {
    Path c = Path.of(CHROMIUM);
    Assumptions.assumeTrue(
        Files.isExecutable(c),
        "skipped: no Chromium at "
            + c
            + " (Debian package 'chromium'; .ci/run installs it where apt works)");
    return c;
  }

  private static List<String> headless(Path chromium, String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private record Ran(String out, String err) {}

  private static Ran run(List<String> cmd) throws Exception {
    Path out = Files.createTempFile(tmp, "chromium", ".out");
    Path err = Files.createTempFile(tmp, "chromium", ".err");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 120 s: " + cmd);
    }
    return new Ran(Files.readString(out), Files.readString(err));
  }

  @Test
  void chromiumLoadsTheReportWithoutErrorsAndRendersEveryPlot() throws Exception {
    Path chromium = chromium();
    String url = report.resolve("report.html").toUri().toString();
    Ran dom = run(headless(chromium, "--virtual-time-budget=10000", "--dump-dom", url));
    // The report's own script records errors and the plots that render with a size.
    Matcher root =
        Pattern.compile(
                "<html[^>]*data-errors=\"(\\d+)\"[^>]*data-plots=\"(\\d+)\""
                    + "[^>]*data-plots-rendered=\"(\\d+)\"")
            .matcher(dom.out());
    assertTrue(root.find(), "the page loaded and its check ran: " + head(dom.out()) + dom.err());
    assertEquals("0", root.group(1), "errors while loading");
    assertEquals("3", root.group(2), "plots in the page");
    assertEquals("3", root.group(3), "plots rendered with a nonzero size");
    assertFalse(
        Pattern.compile("CONSOLE.*(Uncaught|Error)").matcher(dom.err()).find(),
        "console errors: " + dom.err());

    Path png = tmp.resolve("report.png");
    run(headless(chromium, "--screenshot=" + png, "--window-size=1200,3000", url));
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(1200, img.getWidth());
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 7) {
      for (int x = 0; x < img.getWidth(); x += 7) {
        colours.add(img.getRGB(x, y));
      }
    }
    assertTrue(colours.size() > 20, "the screenshot is not blank: " + colours.size() + " colours");
  }

  private static String head(String s) {
    return s.substring(0, Math.min(400, s.length()));
  }
}
