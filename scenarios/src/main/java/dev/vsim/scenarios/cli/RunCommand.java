package dev.vsim.scenarios.cli;

import dev.vsim.results.ResultWriter;
import dev.vsim.results.RunResult;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.run.HeapEstimate;
import dev.vsim.scenarios.run.RunPlan;
import dev.vsim.scenarios.run.Runner;
import dev.vsim.scenarios.run.ScenarioLoader;
import dev.vsim.scenarios.run.Simulation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vsim run}: simulates a scenario (base and variants) and writes a results directory. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run a scenario file (or a bundled scenario by name) and write its results.")
final class RunCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = "scenario file, or bundled name")
  String file;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      description = "results directory (must not exist or be empty); default: runs/<name>-<time>")
  Path output;

  @Option(
      names = "--set",
      paramLabel = "/POINTER=VALUE",
      description = "override a field, e.g. --set /vms/0/vcpus=8 (repeatable)")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--variant",
      paramLabel = "NAME",
      description = "run only these configurations (base or a variant's name; repeatable)")
  List<String> variants = new ArrayList<>();

  @Option(names = "--no-batching", description = "step every exit (slower; same results)")
  boolean noBatching;

  @Option(
      names = "--check",
      description = "checking mode: verify every translation against the page tables (slower)")
  boolean check;

  @Option(
      names = {"-j", "--jobs"},
      paramLabel = "N",
      description =
          "configurations simulated at once (default: the machine's cores); results are the same")
  int jobs = Runtime.getRuntime().availableProcessors();

  @Option(
      names = {"-q", "--quiet"},
      description = "no progress output")
  boolean quiet;

  @Override
  public Integer call() {
    if (jobs < 1) {
      System.err.println("vsim run: --jobs must be at least 1, got " + jobs);
      return VsimCommand.USAGE;
    }
    ScenarioLoader loader = new ScenarioLoader();
    List<RunPlan> plans;
    try {
      plans = loader.load(file, sets, variants);
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return VsimCommand.USAGE;
    }
    String tooLarge = HeapEstimate.refusal(plans, jobs, Runtime.getRuntime().maxMemory());
    if (tooLarge != null) {
      System.err.println(tooLarge);
      return VsimCommand.FAILURE;
    }
    OutputDirectory out;
    try {
      out = OutputDirectory.reserve(output, plans.get(0).scenario().name(), "vsim", "results");
    } catch (OutputDirectory.Refused e) {
      System.err.println(e.getMessage());
      return VsimCommand.USAGE;
    }
    try (out) {
      try {
        for (Path stale : ResultWriter.removeStalePartials(out.dir())) {
          System.err.println("vsim: removed the partial results of a killed run: " + stale);
        }
      } catch (IOException e) {
        System.err.println("vsim: cannot clean up beside " + out.dir() + ": " + e.getMessage());
        return VsimCommand.USAGE;
      }
      // The writer removes its own partial directory when interrupted.
      out.onInterrupt(() -> "vsim: interrupted; no results were written");
      return simulateAndWrite(loader, plans, out);
    }
  }

  private int simulateAndWrite(ScenarioLoader loader, List<RunPlan> plans, OutputDirectory out) {
    Path dir = out.dir();
    Runner runner = new Runner(loader.json());
    long start = System.nanoTime();
    RunResult result;
    try (Progress progress = Progress.create(quiet, plans.size(), "configuration")) {
      result =
          runner.simulate(
              file,
              plans,
              new Simulation.Options(!noBatching, check),
              jobs,
              (Runner.Listener) progress::update);
    } catch (RuntimeException | OutOfMemoryError e) {
      if (e instanceof OutOfMemoryError) {
        System.err.println(OutputDirectory.outOfMemory("vsim"));
      } else {
        System.err.println("vsim: the simulation failed: " + e);
        e.printStackTrace(System.err);
      }
      out.removeIfMadeAndEmpty();
      return VsimCommand.FAILURE;
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    try {
      runner.write(dir, result, plans, elapsed);
    } catch (IOException e) {
      System.err.println("vsim: cannot write results to " + dir + ": " + e.getMessage());
      return VsimCommand.FAILURE;
    }
    System.out.printf(
        Locale.ROOT,
        "%s: %d configuration(s) simulated in %.1f s; results in %s%n",
        plans.get(0).scenario().name(),
        plans.size(),
        elapsed,
        dir);
    System.out.println("Read " + dir.resolve(ResultWriter.SUMMARY_MD) + " first.");
    return VsimCommand.OK;
  }
}
