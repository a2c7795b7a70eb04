package dev.vsim.results;

import dev.vsim.results.Reproduction.FigureReport;
import dev.vsim.results.Reproduction.PlotFile;
import dev.vsim.results.Reproduction.TalkReport;
import dev.vsim.results.Reproduction.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The report of {@code vsim reproduce}: {@code report.md} and a self-contained {@code report.html}
 * (inline CSS, every plot inline as SVG, nothing loaded from elsewhere). Each figure shows the
 * run's plots, a plot of the simulated values beside the talk's, a table of verdicts and the
 * commands that re-run it.
 */
public final class ReproductionReport {
  public static final String REPORT_MD = "report.md";
  public static final String REPORT_HTML = "report.html";

  /** Directory, under the report's, of the plots drawn for the report itself. */
  public static final String PLOTS = "plots";

  private final String heading;
  private final List<String> preamble;
  private final List<TalkReport> talks;

  /**
   * @param heading the report's title
   * @param preamble paragraphs before the talks (how it was run, with which command)
   */
  public ReproductionReport(String heading, List<String> preamble, List<TalkReport> talks) {
    this.heading = heading;
    this.preamble = List.copyOf(preamble);
    this.talks = List.copyOf(talks);
  }

  /**
   * Draws the comparison plots into {@code dir/plots/}, then writes report.md and report.html (each
   * into a hidden file first, renamed into place; report.html last).
   */
  public void write(Path dir) throws IOException {
    Path plots = Files.createDirectories(dir.resolve(PLOTS));
    Map<FigureReport, List<PlotFile>> figurePlots = new LinkedHashMap<>();
    for (TalkReport t : talks) {
      for (FigureReport f : t.figures()) {
        List<PlotFile> all = new ArrayList<>(f.plots());
        for (Map.Entry<String, BarPlot> p : comparisonPlots(f).entrySet()) {
          p.getValue().write(plots);
          all.add(new PlotFile(p.getKey(), plots.resolve(p.getValue().name() + ".svg")));
        }
        figurePlots.put(f, all);
      }
    }
    writeAtomically(dir.resolve(REPORT_MD), markdown(dir, figurePlots));
    writeAtomically(dir.resolve(REPORT_HTML), html(figurePlots));
  }

  /** Per figure and unit: the band checks (simulated, talk's low and high), and the orderings. */
  static Map<String, BarPlot> comparisonPlots(FigureReport f) {
    Map<String, BarPlot> out = new LinkedHashMap<>();
    LinkedHashSet<String> units = new LinkedHashSet<>();
    f.verdicts().forEach(v -> units.add(v.unit()));
    int n = 0;
    for (String unit : units) {
      List<Verdict> bands = new ArrayList<>();
      List<Verdict> orders = new ArrayList<>();
      for (Verdict v : f.verdicts()) {
        if (v.unit().equals(unit) && !v.missing()) {
          (v.isBand() ? bands : orders).add(v);
        }
      }
      String axis = unit.isEmpty() ? "value" : unit;
      // A plot whose every bar is zero has no scale to draw (XChart writes NaN coordinates); the
      // table says it all.
      bands.removeIf(v -> v.simulated() == 0 && v.low() == 0 && v.high() == 0);
      orders.removeIf(v -> v.simulated() == 0 && v.compared() == 0);
      if (!bands.isEmpty()) {
        n++;
        BarPlot p =
            new BarPlot(
                f.id() + "-talk-" + n,
                "Simulated beside the talk (" + axis + ")",
                axis,
                labels(bands));
        p.series("simulated", bands.stream().map(Verdict::simulated).toList());
        boolean ranges = bands.stream().anyMatch(v -> v.low() != v.high());
        if (ranges) {
          p.series("talk: band low", bands.stream().map(Verdict::low).toList());
          p.series("talk: band high", bands.stream().map(Verdict::high).toList());
        } else {
          p.series("talk", bands.stream().map(Verdict::low).toList());
        }
        out.put("Simulated beside the talk's values (" + axis + ")", p);
      }
      if (!orders.isEmpty()) {
        n++;
        BarPlot p =
            new BarPlot(
                f.id() + "-order-" + n,
                "Orderings the talk states (" + axis + ")",
                axis,
                labels(orders));
        p.series("simulated", orders.stream().map(Verdict::simulated).toList());
        p.series("compared with", orders.stream().map(Verdict::compared).toList());
        out.put("Orderings the talk states: each value beside the one it is compared with", p);
      }
    }
    return out;
  }

  private static List<String> labels(List<Verdict> vs) {
    List<String> out = new ArrayList<>();
    for (Verdict v : vs) {
      String l = v.label();
      while (out.contains(l)) {
        l = l + "'";
      }
      out.add(l);
    }
    return out;
  }

  private static int[] tally(List<Verdict> vs) {
    int holds = 0;
    for (Verdict v : vs) {
      holds += v.holds() ? 1 : 0;
    }
    return new int[] {holds, vs.size()};
  }

  // ---------------------------------------------------------------------------------- Markdown

  String markdown(Path dir, Map<FigureReport, List<PlotFile>> figurePlots) {
    StringBuilder sb = new StringBuilder("# ").append(heading).append("\n\n");
    preamble.forEach(p -> sb.append(p).append("\n\n"));
    sb.append("## Summary\n\n| talk | figure | in band / checks |\n|---|---|---|\n");
    for (TalkReport t : talks) {
      for (FigureReport f : t.figures()) {
        int[] k = tally(f.verdicts());
        sb.append("| ")
            .append(md(t.id() + " " + t.slug()))
            .append(" | ")
            .append(md(f.title()))
            .append(" | ")
            .append(k[0])
            .append(" / ")
            .append(k[1])
            .append(" |\n");
      }
      for (String missing : t.notBundled()) {
        sb.append("| ")
            .append(md(t.id() + " " + t.slug()))
            .append(" | ")
            .append(md(missing))
            .append(" | not reproduced: no bundled scenario |\n");
      }
    }
    sb.append('\n');
    for (TalkReport t : talks) {
      sb.append("## ").append(t.id()).append(" ").append(t.title()).append("\n\n");
      sb.append(t.source()).append(" (`").append(t.slug()).append("`)\n\n");
      for (FigureReport f : t.figures()) {
        sb.append("### ").append(f.title()).append("\n\n");
        if (!f.talk().isEmpty()) {
          sb.append("The talk: ").append(f.talk()).append("\n\n");
        }
        if (!f.verdicts().isEmpty()) {
          sb.append("| quantity | simulated | talk | unit | in band |\n|---|---|---|---|---|\n");
          for (Verdict v : f.verdicts()) {
            sb.append("| ")
                .append(md(v.quantity()))
                .append(" | ")
                .append(v.missing() ? "missing" : Table.readable(v.simulated()))
                .append(" | ")
                .append(md(v.talkSide()))
                .append(" | ")
                .append(md(v.unit()))
                .append(" | ")
                .append(v.verdictWord())
                .append(" |\n");
          }
          sb.append('\n');
        }
        for (PlotFile p : figurePlots.get(f)) {
          sb.append("![")
              .append(md(p.caption()))
              .append("](")
              .append(relative(dir, p.svg()))
              .append(")\n\n");
        }
        f.missing().forEach(m -> sb.append("Missing: ").append(m).append("\n\n"));
        sb.append("Results: `").append(f.runDirectory()).append("`. Re-run:\n\n```sh\n");
        f.commands().forEach(c -> sb.append(c).append('\n'));
        sb.append("```\n\n");
        LinkedHashSet<String> sources = new LinkedHashSet<>();
        f.verdicts().forEach(v -> sources.add(v.source()));
        sources.remove("");
        if (!sources.isEmpty()) {
          sb.append("Sources:\n\n");
          sources.forEach(s -> sb.append("- ").append(s).append('\n'));
          sb.append('\n');
        }
      }
      if (!t.notBundled().isEmpty()) {
        sb.append("Not reproduced (no bundled scenario yet):\n\n");
        t.notBundled().forEach(s -> sb.append("- ").append(s).append('\n'));
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static String relative(Path dir, Path file) {
    Path d = dir.toAbsolutePath().normalize();
    Path f = file.toAbsolutePath().normalize();
    return (f.startsWith(d) ? d.relativize(f) : f).toString().replace('\\', '/');
  }

  private static String md(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }

  // -------------------------------------------------------------------------------------- HTML

  private static final String CSS =
      """
      body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;\
      max-width:1000px;padding:1.5em;color:#222;background:#fff}
      h1{font-size:1.7em}h2{border-bottom:2px solid #ccc;padding-bottom:.2em;margin-top:2em}
      h3{margin-top:1.6em}
      table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
      th,td{border:1px solid #ccc;padding:.3em .55em;text-align:left;vertical-align:top}
      th{background:#f2f2f2}td.num{text-align:right;white-space:nowrap}
      .yes{background:#e3f5e1;color:#185c12;font-weight:600}
      .no{background:#fbe3e1;color:#8a1b12;font-weight:600}
      .missing{background:#f4f4f4;color:#666;font-weight:600}
      .partial{background:#fff4d6;color:#7a5a00;font-weight:600}
      figure{margin:1em 0}figure svg{max-width:100%;height:auto;border:1px solid #ddd}
      figcaption{font-size:.85em;color:#555}
      pre{background:#f6f6f6;padding:.7em;white-space:pre-wrap;word-break:break-all;font-size:.85em}
      .talk{color:#444}.note{background:#fff7dd;border:1px solid #ecd58a;padding:.6em}
      """;

  /**
   * Records errors and what renders, for a headless browser to read from the DOM it dumps: {@code
   * data-errors} (script and resource errors), {@code data-plots} and {@code data-plots-rendered}
   * (inline SVGs with a nonzero size) on the root element, once the page has loaded.
   */
  private static final String SELF_CHECK =
      """
      (function(){var root=document.documentElement,errors=0;
      function note(){root.setAttribute('data-errors',String(errors));}
      note();
      window.addEventListener('error',function(){errors++;note();},true);
      window.addEventListener('load',function(){
      var svgs=document.querySelectorAll('figure svg'),ok=0;
      for(var i=0;i<svgs.length;i++){var r=svgs[i].getBoundingClientRect();
      if(r.width>0&&r.height>0&&svgs[i].childElementCount>0){ok++;}}
      root.setAttribute('data-plots',String(svgs.length));
      root.setAttribute('data-plots-rendered',String(ok));note();});})();
      """;

  String html(Map<FigureReport, List<PlotFile>> figurePlots) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    sb.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    sb.append("<title>").append(esc(heading)).append("</title>\n");
    sb.append("<script>").append(SELF_CHECK).append("</script>\n");
    sb.append("<style>").append(CSS).append("</style>\n</head>\n<body>\n");
    sb.append("<h1>").append(esc(heading)).append("</h1>\n");
    for (String p : preamble) {
      sb.append("<p class=\"note\">").append(inlineCode(esc(p))).append("</p>\n");
    }
    sb.append("<h2 id=\"summary\">Summary</h2>\n<table>\n");
    sb.append("<tr><th>talk</th><th>figure</th><th>in band / checks</th></tr>\n");
    for (TalkReport t : talks) {
      for (FigureReport f : t.figures()) {
        int[] k = tally(f.verdicts());
        String cls = k[0] == k[1] ? "yes" : k[0] == 0 ? "no" : "partial";
        sb.append("<tr><td>")
            .append(esc(t.id() + " " + t.slug()))
            .append("</td><td><a href=\"#")
            .append(esc(f.id()))
            .append("\">")
            .append(esc(f.title()))
            .append("</a></td><td class=\"num ")
            .append(cls)
            .append("\">")
            .append(k[0])
            .append(" / ")
            .append(k[1])
            .append("</td></tr>\n");
      }
      for (String missing : t.notBundled()) {
        sb.append("<tr><td>")
            .append(esc(t.id() + " " + t.slug()))
            .append("</td><td>")
            .append(esc(missing))
            .append("</td><td class=\"missing\">not reproduced: no bundled scenario</td></tr>\n");
      }
    }
    sb.append("</table>\n");
    int plot = 0;
    for (TalkReport t : talks) {
      sb.append("<section>\n<h2 id=\"talk-")
          .append(esc(t.id()))
          .append("\">")
          .append(esc(t.id() + " " + t.title()))
          .append("</h2>\n<p>")
          .append(esc(t.source()))
          .append(" (<code>")
          .append(esc(t.slug()))
          .append("</code>)</p>\n");
      for (FigureReport f : t.figures()) {
        sb.append("<h3 id=\"").append(esc(f.id())).append("\">");
        sb.append(esc(f.title())).append("</h3>\n");
        if (!f.talk().isEmpty()) {
          sb.append("<p class=\"talk\"><b>The talk:</b> ").append(esc(f.talk())).append("</p>\n");
        }
        if (!f.verdicts().isEmpty()) {
          sb.append("<table>\n<tr><th>quantity</th><th>simulated</th><th>talk</th>");
          sb.append("<th>unit</th><th>in band</th><th>source</th></tr>\n");
          for (Verdict v : f.verdicts()) {
            sb.append("<tr><td>")
                .append(esc(v.quantity()))
                .append("</td><td class=\"num\">")
                .append(v.missing() ? "missing" : esc(Table.readable(v.simulated())))
                .append("</td><td class=\"num\">")
                .append(esc(v.talkSide()))
                .append("</td><td>")
                .append(esc(v.unit()))
                .append("</td><td class=\"")
                .append(v.verdictWord())
                .append("\">")
                .append(v.verdictWord())
                .append("</td><td>")
                .append(esc(v.source()))
                .append("</td></tr>\n");
          }
          sb.append("</table>\n");
        }
        for (PlotFile p : figurePlots.get(f)) {
          plot++;
          sb.append("<figure>\n")
              .append(inlineSvg(Files.readString(p.svg(), StandardCharsets.UTF_8), "p" + plot))
              .append("\n<figcaption>")
              .append(esc(p.caption()))
              .append("</figcaption>\n</figure>\n");
        }
        for (String m : f.missing()) {
          sb.append("<p class=\"missing\">Missing: ").append(esc(m)).append("</p>\n");
        }
        sb.append("<p>Results: <code>").append(esc(f.runDirectory())).append("</code>. ");
        sb.append("Re-run:</p>\n<pre>");
        f.commands().forEach(c -> sb.append(esc(c)).append('\n'));
        sb.append("</pre>\n");
      }
      if (!t.notBundled().isEmpty()) {
        sb.append("<p>Not reproduced (no bundled scenario yet):</p>\n<ul>\n");
        t.notBundled().forEach(s -> sb.append("<li>").append(esc(s)).append("</li>\n"));
        sb.append("</ul>\n");
      }
      sb.append("</section>\n");
    }
    sb.append("</body>\n</html>\n");
    return sb.toString();
  }

  private static final Pattern PROLOG = Pattern.compile("<\\?xml[^>]*\\?>\\s*");
  private static final Pattern DOCTYPE = Pattern.compile("<!DOCTYPE[^>]*>\\s*");
  private static final Pattern XMLNS = Pattern.compile("\\s+xmlns(:\\w+)?=\"[^\"]*\"");
  private static final Pattern ID = Pattern.compile("\\bid=\"([^\"]+)\"");

  /**
   * An SVG file's text made fit to sit inside HTML: without its XML prolog, DOCTYPE and namespace
   * declarations (HTML's parser puts an {@code <svg>} element in the SVG namespace itself), and
   * with its ids renamed {@code PREFIX-1}, {@code PREFIX-2}... so that the clip paths of two plots
   * never clash and the page does not depend on the ids the plotting library drew.
   */
  static String inlineSvg(String svg, String prefix) {
    String s = PROLOG.matcher(svg).replaceFirst("");
    s = DOCTYPE.matcher(s).replaceFirst("");
    s = XMLNS.matcher(s).replaceAll("");
    List<String> ids = new ArrayList<>();
    Matcher m = ID.matcher(s);
    while (m.find()) {
      ids.add(m.group(1));
    }
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      String to = prefix + "-" + (i + 1);
      s =
          s.replace("id=\"" + id + "\"", "id=\"" + to + "\"")
              .replace("url(#" + id + ")", "url(#" + to + ")")
              .replace("href=\"#" + id + "\"", "href=\"#" + to + "\"");
    }
    return s.replaceFirst("<svg\\b", "<svg role=\"img\"").strip();
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static String inlineCode(String escaped) {
    return escaped.replaceAll("`([^`]+)`", "<code>$1</code>");
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Path tmp =
        file.resolveSibling("." + file.getFileName() + ".partial-" + ProcessHandle.current().pid());
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
