package dev.vsim.scenarios.cli;

import dev.vsim.results.ReproductionReport;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.reproduce.Reproducer;
import dev.vsim.scenarios.reproduce.TalkCatalogue;
import dev.vsim.scenarios.reproduce.TalkCatalogue.Talk;
import dev.vsim.scenarios.run.RunPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vsim reproduce}: runs the talks' figures and writes one report. */
@Command(
    name = "reproduce",
    mixinStandardHelpOptions = true,
    description = {
      "Run every bundled figure of the talks (all four, or those named) and write report.md and"
          + " a self-contained report.html: each figure beside the talk's values, whether it is"
          + " in band, and the command that re-runs it.",
      "Talks: 000 (hyperv-enlightenments), 001 (scalable-kvm), 002 (beyond-kvm-ko),"
          + " 003 (parallel-memory-virtualization)."
    })
final class ReproduceCommand implements Callable<Integer> {
  @Parameters(
      paramLabel = "TALK",
      arity = "0..*",
      description = "talks to reproduce, by seed id (003) or name; default: all")
  List<String> talkNames = new ArrayList<>();

  @Option(
      names = "--quick",
      description = "reduced sizes (minutes in all; the talks' bands are for the full sizes)")
  boolean quick;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      description = "report directory (must not exist or be empty); default: runs/reproduce-<time>")
  Path output;

  @Option(
      names = {"-j", "--jobs"},
      paramLabel = "N",
      description = "configurations simulated at once (default: the machine's cores)")
  int jobs = Runtime.getRuntime().availableProcessors();

  @Option(
      names = {"-q", "--quiet"},
      description = "no progress output")
  boolean quiet;

  @Override
  public Integer call() {
    if (jobs < 1) {
      System.err.println("vsim reproduce: --jobs must be at least 1, got " + jobs);
      return VsimCommand.USAGE;
    }
    TalkCatalogue catalogue = TalkCatalogue.load();
    List<Talk> talks;
    try {
      talks = catalogue.select(talkNames);
    } catch (IllegalArgumentException e) {
      System.err.println("vsim reproduce: " + e.getMessage());
      return VsimCommand.USAGE;
    }
    OutputDirectory out;
    try {
      out = OutputDirectory.reserve(output, "reproduce", "vsim reproduce", "the report");
    } catch (OutputDirectory.Refused e) {
      System.err.println(e.getMessage());
      return VsimCommand.USAGE;
    }
    Path dir = out.dir();
    StringBuilder command = new StringBuilder("./vsim reproduce");
    talkNames.forEach(t -> command.append(' ').append(t));
    if (quick) {
      command.append(" --quick");
    }
    Reproducer reproducer = new Reproducer(catalogue, quick, jobs);
    long start = System.nanoTime();
    Listener listener = new Listener();
    // SIGINT or SIGTERM: one line. The runs finished so far stay (each written atomically); the
    // one under way leaves nothing, and there is no report.
    Path runs = dir.resolve(Reproducer.RUNS);
    out.onInterrupt(
        () ->
            Files.isDirectory(runs)
                ? "vsim reproduce: interrupted; no report was written (the runs that finished are"
                    + " in "
                    + runs
                    + ")"
                : "vsim reproduce: interrupted; nothing was written");
    try {
      reproducer.run(talks, dir, command.toString(), listener);
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return VsimCommand.USAGE;
    } catch (IOException e) {
      System.err.println("vsim reproduce: cannot write to " + dir + ": " + e.getMessage());
      return VsimCommand.FAILURE;
    } catch (RuntimeException | OutOfMemoryError e) {
      if (e instanceof OutOfMemoryError) {
        System.err.println(OutputDirectory.outOfMemory("vsim reproduce"));
      } else {
        System.err.println("vsim reproduce: the simulation failed: " + e);
        e.printStackTrace(System.err);
      }
      return VsimCommand.FAILURE;
    } finally {
      out.close();
      listener.close();
    }
    System.out.printf(
        Locale.ROOT,
        "vsim reproduce: %d talk(s), %d scenario(s) in %.1f s; report in %s%n",
        talks.size(),
        Reproducer.scenarios(talks).size(),
        (System.nanoTime() - start) / 1e9,
        dir.resolve(ReproductionReport.REPORT_HTML));
    return VsimCommand.OK;
  }

  /** One line per scenario, and the run's progress (a bar on a terminal) for each. */
  private final class Listener implements Reproducer.Listener {
    private Progress progress;

    @Override
    public void starting(String scenario, int index, int total, List<RunPlan> plans) {
      close();
      if (!quiet) {
        System.err.printf(
            Locale.ROOT,
            "vsim reproduce: [%d/%d] %s, %d configuration(s)%n",
            index,
            total,
            scenario,
            plans.size());
      }
      progress = Progress.create(quiet, plans);
    }

    @Override
    public void progress(
        String configuration, double fraction, double simulatedSeconds, long events) {
      if (progress != null) {
        progress.update(configuration, fraction, simulatedSeconds, events);
      }
    }

    @Override
    public void finished(String scenario, Path dir, double seconds) {
      close();
      if (!quiet) {
        System.err.printf(
            Locale.ROOT, "vsim reproduce: %s simulated in %.1f s -> %s%n", scenario, seconds, dir);
      }
    }

    void close() {
      if (progress != null) {
        progress.close();
        progress = null;
      }
    }
  }
}
