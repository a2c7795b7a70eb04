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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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
    Path dir;
    boolean reserved = output == null || !Files.exists(output);
    try {
      if (output == null) {
        dir =
            ResultWriter.reserveRunDirectory(
                Path.of("runs"), plans.get(0).scenario().name(), Clock.systemDefaultZone());
      } else {
        dir = output;
        ResultWriter.checkWritable(dir);
        if (reserved) {
          // Made now, so that a place that cannot be written is refused before simulating.
          Files.createDirectories(dir);
        }
      }
    } catch (IOException e) {
      Path shown = output != null ? output : Path.of("runs");
      System.err.println(
          "vsim: cannot write results to " + shown + ": " + reason(e) + "; choose another -o");
      return VsimCommand.USAGE;
    }
    try {
      for (Path stale : ResultWriter.removeStalePartials(dir)) {
        System.err.println("vsim: removed the partial results of a killed run: " + stale);
      }
    } catch (IOException e) {
      System.err.println("vsim: cannot clean up beside " + dir + ": " + e.getMessage());
      return VsimCommand.USAGE;
    }
    // SIGINT or SIGTERM: one line, and no results directory that looks complete (the writer
    // removes its partial directory; an empty reserved one goes too).
    boolean[] finished = {false};
    Path reservedDir = reserved ? dir : null;
    Thread interrupted =
        new Thread(
            () -> {
              if (!finished[0]) {
                System.err.println("vsim: interrupted; no results were written");
                if (reservedDir != null) {
                  try {
                    Files.deleteIfExists(reservedDir);
                  } catch (IOException ignored) {
                    // Not empty (another writer) or gone.
                  }
                }
              }
            },
            "vsim-interrupted");
    Runtime.getRuntime().addShutdownHook(interrupted);
    try {
      return simulateAndWrite(loader, plans, dir, reserved, finished);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(interrupted);
      } catch (IllegalStateException shuttingDown) {
        // The hook runs: the run was interrupted.
      }
    }
  }

  /** What the operating system said, in words: the exceptions' messages are only the path. */
  private static String reason(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file or directory: " + e.getMessage();
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied: " + e.getMessage();
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException f && f.getReason() != null) {
      return f.getReason(); // our own words about what is there
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason() + ": " + f.getFile();
    }
    return e.getMessage();
  }

  private int simulateAndWrite(
      ScenarioLoader loader, List<RunPlan> plans, Path dir, boolean reserved, boolean[] finished) {
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
        System.err.println(
            "vsim: the simulation needs more memory than the Java heap has; run again with a"
                + " larger heap, e.g. VSIM_JAVA_OPTS=\"-Xmx16g -XX:+UseParallelGC\" (or fewer"
                + " configurations at once: -j 1)");
      } else {
        System.err.println("vsim: the simulation failed: " + e);
        e.printStackTrace(System.err);
      }
      if (reserved) {
        try {
          Files.deleteIfExists(dir); // the empty directory reserved for the results
        } catch (IOException ignored) {
          // Left empty: a later run picks another name.
        }
      }
      finished[0] = true;
      return VsimCommand.FAILURE;
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    try {
      runner.write(dir, result, plans, elapsed);
    } catch (IOException e) {
      System.err.println("vsim: cannot write results to " + dir + ": " + e.getMessage());
      finished[0] = true;
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
    finished[0] = true;
    return VsimCommand.OK;
  }
}
