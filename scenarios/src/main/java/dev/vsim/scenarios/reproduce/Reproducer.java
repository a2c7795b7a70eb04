package dev.vsim.scenarios.reproduce;

import dev.vsim.results.BarPlot;
import dev.vsim.results.PublishedComparison;
import dev.vsim.results.Reproduction.FigureReport;
import dev.vsim.results.Reproduction.PlotFile;
import dev.vsim.results.Reproduction.TalkReport;
import dev.vsim.results.Reproduction.Verdict;
import dev.vsim.results.ReproductionReport;
import dev.vsim.results.RunResult;
import dev.vsim.results.Table;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.reproduce.TalkCatalogue.Bars;
import dev.vsim.scenarios.reproduce.TalkCatalogue.Check;
import dev.vsim.scenarios.reproduce.TalkCatalogue.Figure;
import dev.vsim.scenarios.reproduce.TalkCatalogue.Talk;
import dev.vsim.scenarios.run.RunPlan;
import dev.vsim.scenarios.run.Runner;
import dev.vsim.scenarios.run.ScenarioLoader;
import dev.vsim.scenarios.run.Simulation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Runs the bundled scenarios behind the chosen talks' figures, each into {@code DIR/runs/NAME} as
 * {@code vsim run} writes a results directory, and writes the report of {@link ReproductionReport}
 * into {@code DIR}.
 */
public final class Reproducer {
  /** Directory, under the report's, of the scenarios' results directories. */
  public static final String RUNS = "runs";

  /** What a run of the reproduction reports as it goes. */
  public interface Listener {
    /** A scenario's configurations are about to be simulated. */
    void starting(String scenario, int index, int total, List<RunPlan> plans);

    /**
     * A configuration has simulated this fraction of its stop time, this many simulated seconds and
     * events so far (from its own thread).
     */
    void progress(String configuration, double fraction, double simulatedSeconds, long events);

    /** A scenario's results directory has been written. */
    void finished(String scenario, Path dir, double seconds);
  }

  private final TalkCatalogue catalogue;
  private final boolean quick;
  private final int jobs;

  public Reproducer(TalkCatalogue catalogue, boolean quick, int jobs) {
    this.catalogue = catalogue;
    this.quick = quick;
    this.jobs = jobs;
  }

  /** The bundled scenarios the talks' figures need, each once, in the talks' order. */
  public static List<String> scenarios(List<Talk> talks) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    talks.forEach(t -> t.figures().forEach(f -> out.add(f.scenario())));
    return new ArrayList<>(out);
  }

  /**
   * The configurations of a scenario as this reproduction runs them: every one at full size, or
   * with the catalogue's reduced-size {@code --set}s, {@code {vm}} expanded for each VM.
   */
  public List<RunPlan> plans(ScenarioLoader loader, String scenario) throws ScenarioException {
    List<RunPlan> unscaled = loader.load(scenario, List.of(), List.of());
    if (!quick) {
      return unscaled;
    }
    Map<List<String>, List<String>> groups = setGroups(unscaled, scenario);
    Map<String, RunPlan> byName = new LinkedHashMap<>();
    for (Map.Entry<List<String>, List<String>> g : groups.entrySet()) {
      for (RunPlan p : loader.load(scenario, g.getKey(), g.getValue())) {
        byName.put(p.variant(), p);
      }
    }
    List<RunPlan> out = new ArrayList<>();
    unscaled.forEach(p -> out.add(byName.get(p.variant())));
    return out;
  }

  /** The configurations grouped by their reduced-size {@code --set}s, in plan order. */
  private Map<List<String>, List<String>> setGroups(List<RunPlan> unscaled, String scenario) {
    Map<List<String>, List<String>> groups = new LinkedHashMap<>();
    for (RunPlan p : unscaled) {
      List<String> sets = new ArrayList<>();
      for (String s : catalogue.quickSets(scenario)) {
        if (s.contains("{vm}")) {
          for (int vm = 0; vm < p.scenario().vms().size(); vm++) {
            sets.add(s.replace("{vm}", String.valueOf(vm)));
          }
        } else {
          sets.add(s);
        }
      }
      groups.computeIfAbsent(sets, k -> new ArrayList<>()).add(p.variant());
    }
    return groups;
  }

  /** The commands that re-run a scenario as this reproduction ran it. */
  List<String> commands(List<RunPlan> unscaled, String scenario) {
    if (!quick) {
      return List.of("./vsim run " + scenario);
    }
    Map<List<String>, List<String>> groups = setGroups(unscaled, scenario);
    List<String> out = new ArrayList<>();
    for (Map.Entry<List<String>, List<String>> g : groups.entrySet()) {
      StringJoiner c = new StringJoiner(" ");
      c.add("./vsim run " + scenario);
      if (groups.size() > 1) {
        g.getValue().forEach(v -> c.add("--variant " + v));
      }
      g.getKey().forEach(s -> c.add("--set " + s));
      out.add(c.toString());
    }
    return out;
  }

  /**
   * Runs every scenario the talks need and writes the report into {@code dir}, which must be an
   * empty directory.
   *
   * @param command the command line as typed, for the report
   */
  public void run(List<Talk> talks, Path dir, String command, Listener listener)
      throws IOException, ScenarioException {
    ScenarioLoader loader = new ScenarioLoader();
    Map<String, RunResult> results = new LinkedHashMap<>();
    Map<String, List<String>> commands = new LinkedHashMap<>();
    List<String> scenarios = scenarios(talks);
    // Load everything first: a scenario that does not load fails the run before any simulation.
    Map<String, List<RunPlan>> plans = new LinkedHashMap<>();
    for (String s : scenarios) {
      plans.put(s, plans(loader, s));
      commands.put(s, commands(loader.load(s, List.of(), List.of()), s));
    }
    int i = 0;
    for (String s : scenarios) {
      i++;
      List<RunPlan> p = plans.get(s);
      listener.starting(s, i, scenarios.size(), p);
      Runner runner = new Runner(loader.json());
      long start = System.nanoTime();
      RunResult r =
          runner.simulate(
              s,
              p,
              new Simulation.Options(true, false),
              jobs,
              (Runner.Listener) listener::progress);
      double seconds = (System.nanoTime() - start) / 1e9;
      Path runDir = dir.resolve(RUNS).resolve(s);
      Files.createDirectories(runDir.getParent());
      runner.write(runDir, r, p, seconds);
      results.put(s, r);
      listener.finished(s, runDir, seconds);
    }
    List<TalkReport> reports = new ArrayList<>();
    Path plotsDir = Files.createDirectories(dir.resolve(ReproductionReport.PLOTS));
    for (Talk t : talks) {
      List<FigureReport> figures = new ArrayList<>();
      for (Figure f : t.figures()) {
        figures.add(
            figure(t, f, results.get(f.scenario()), dir, plotsDir, commands.get(f.scenario())));
      }
      reports.add(new TalkReport(t.id(), t.slug(), t.title(), t.source(), figures, t.notBundled()));
    }
    new ReproductionReport(heading(), preamble(talks, command), reports).write(dir);
  }

  private String heading() {
    return "vsim reproduce: the talks' figures" + (quick ? " (quick, reduced sizes)" : "");
  }

  private List<String> preamble(List<Talk> talks, String command) {
    List<String> out = new ArrayList<>();
    out.add(
        "Made by `"
            + command
            + "`. Each figure below names the bundled scenario it comes from, shows the run's"
            + " plots and the simulated values beside the talk's, says whether each is in the"
            + " talk's band (or ordered as the talk says), and gives the command that re-runs it."
            + " Each run's full results are under `runs/`.");
    if (quick) {
      out.add(
          "Quick mode: every scenario ran at a reduced size (fewer vCPUs, less memory, shorter"
              + " runs, a smaller host). The talks' bands are for the full-size experiments, so"
              + " quantities that grow with size (times, page-table bytes per GiB at small"
              + " memories, overcommit effects) are not expected in band here; run without"
              + " --quick for the figures themselves.");
    }
    return out;
  }

  private FigureReport figure(
      Talk t, Figure f, RunResult r, Path dir, Path plotsDir, List<String> commands)
      throws IOException {
    CheckValues values = new CheckValues(r);
    List<Verdict> verdicts = new ArrayList<>();
    if (f.scenarioBands()) {
      for (PublishedComparison c : r.publishedComparisons()) {
        verdicts.add(
            Verdict.band(
                c.quantity(),
                c.configuration(),
                c.simulated(),
                c.low(),
                c.high(),
                c.unit(),
                c.source()));
      }
    }
    for (Check c : f.checks()) {
      double v = values.value(c.value());
      if (c.isBand()) {
        verdicts.add(
            Verdict.band(c.quantity(), c.label(), v, c.low(), c.high(), c.unit(), c.source()));
      } else {
        boolean below = c.below() != null;
        double other = values.value(below ? c.below() : c.above());
        verdicts.add(Verdict.order(c.quantity(), c.label(), v, other, below, c.unit(), c.source()));
      }
    }
    Path runDir = dir.resolve(RUNS).resolve(f.scenario());
    List<PlotFile> plots = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String p : f.plots()) {
      Path svg = runDir.resolve("plots").resolve(p + ".svg");
      if (Files.exists(svg)) {
        plots.add(new PlotFile("The run's plot " + p + " (" + f.scenario() + ")", svg));
      } else {
        missing.add("plot " + p + ": not produced by the run of " + f.scenario());
      }
    }
    int n = 0;
    for (Bars b : f.bars()) {
      n++;
      BarPlot plot = bars(t.id() + "-" + f.id() + "-bars-" + n, b, r);
      if (plot == null) {
        missing.add(
            "bars of " + b.table() + "." + b.column() + ": no such table or column in the run");
      } else {
        plot.write(plotsDir);
        plots.add(
            new PlotFile(
                b.title() + ": " + b.column() + " of the run's table " + b.table(),
                plotsDir.resolve(plot.name() + ".svg")));
      }
    }
    return new FigureReport(
        t.id() + "-" + f.id(),
        f.title(),
        f.talk(),
        f.scenario(),
        verdicts,
        plots,
        commands,
        RUNS + "/" + f.scenario(),
        missing);
  }

  /** A bar per row of a run's table: the row's configuration (and VM) and a numeric column. */
  private static BarPlot bars(String name, Bars b, RunResult r) {
    for (Table t : r.tables()) {
      if (!t.name().equals(b.table())) {
        continue;
      }
      int col = t.columns().indexOf(b.column());
      if (col < 0) {
        return null;
      }
      boolean vm = t.columns().size() > 1 && t.columns().get(1).equals("vm");
      List<String> labels = new ArrayList<>();
      List<Double> values = new ArrayList<>();
      for (List<Object> row : t.rows()) {
        labels.add(row.get(0) + (vm ? "/" + row.get(1) : ""));
        values.add(row.get(col) instanceof Number x ? x.doubleValue() : 0.0);
      }
      return new BarPlot(name, b.title(), b.yAxis(), labels).series("simulated", values);
    }
    return null;
  }
}
