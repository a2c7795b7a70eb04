package dev.vsim.scenarios.cli;

import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.sweep.LocalExecutor;
import dev.vsim.scenarios.sweep.PointExecutor;
import dev.vsim.scenarios.sweep.Sweep;
import dev.vsim.scenarios.sweep.SweepFile;
import dev.vsim.scenarios.sweep.SweepPoint;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vsim sweep}: runs every point of a sweep file that is not cached, then its outputs. */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    description = {
      "Run a sweep file (or a bundled sweep by name): the scenario at every point of its axes.",
      "Points are cached in DIR/points/<key>/ (the key is a hash of the resolved scenario and the"
          + " vsim version): a re-run reuses finished points, an interrupted sweep resumes. Writes"
          + " DIR/sweep.csv, DIR/plots/ and DIR/summary.md."
    })
final class SweepCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SWEEP", description = "sweep file, or bundled name")
  String file;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      description = "sweep directory, reused by later runs of the sweep; default: sweeps/<name>")
  Path output;

  @Option(
      names = {"-j", "--jobs"},
      paramLabel = "N",
      description = "points simulated at once (default: the machine's cores); results are the same")
  int jobs = Runtime.getRuntime().availableProcessors();

  @Option(
      names = {"-q", "--quiet"},
      description = "no progress output")
  boolean quiet;

  @Mixin ClusterOptions where;

  @Override
  public Integer call() {
    if (jobs < 1) {
      System.err.println("vsim sweep: --jobs must be at least 1, got " + jobs);
      return VsimCommand.USAGE;
    }
    SweepFile sweep;
    try {
      sweep = SweepFile.load(file);
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return VsimCommand.USAGE;
    }
    Path dir = output != null ? output : Path.of("sweeps", sweep.name());
    long start = System.nanoTime();
    Sweep.Outcome o;
    try (Progress progress = Progress.create(quiet, sweep.points().size(), "point");
        PointExecutor executor = executor(progress)) {
      o = Sweep.run(sweep, dir, executor);
    } catch (ClusterOptions.Refused e) {
      System.err.println(e.getMessage());
      return e.exitCode();
    } catch (OutOfMemoryError e) {
      System.err.println(
          "vsim sweep: a point needs more memory than the Java heap has; run again with a larger"
              + " heap, e.g. VSIM_JAVA_OPTS=\"-Xmx16g -XX:+UseParallelGC\", or fewer points at once"
              + " (-j 1); finished points are kept");
      return VsimCommand.FAILURE;
    } catch (Exception e) {
      System.err.println("vsim sweep: " + e);
      e.printStackTrace(System.err);
      return VsimCommand.FAILURE;
    }
    System.out.printf(
        Locale.ROOT,
        "%s: %d points, %d from the cache, %d simulated in %.1f s; results in %s%n",
        sweep.name(),
        o.points(),
        o.cached(),
        o.computed(),
        (System.nanoTime() - start) / 1e9,
        dir);
    System.out.println("Read " + dir.resolve(Sweep.SUMMARY) + " first.");
    return VsimCommand.OK;
  }

  /**
   * Where the points run: threads of this process, or Hazelcast ({@code --embedded-member}, {@code
   * --cluster FILE}), where progress shows each point as it comes back.
   */
  private PointExecutor executor(Progress progress) throws ClusterOptions.Refused {
    PointExecutor chosen =
        where.executor(
            jobs,
            j ->
                new LocalExecutor(
                    j,
                    (SweepPoint p, double f, double seconds, long events) ->
                        progress.update(label(p), f, seconds, events)));
    if (!where.onHazelcast()) {
      return chosen;
    }
    return new PointExecutor() {
      @Override
      public void runAll(
          java.util.List<SweepPoint> points, java.util.function.BiConsumer<SweepPoint, byte[]> done)
          throws Exception {
        chosen.runAll(
            points,
            (p, result) -> {
              done.accept(p, result);
              progress.update(label(p), 1.0, 0, 0);
            });
      }

      @Override
      public void close() throws Exception {
        chosen.close();
      }
    };
  }

  /** A point as progress shows it: its number and axis values. */
  static String label(SweepPoint p) {
    return "#" + (p.index() + 1) + " " + String.join(" ", p.axisValues());
  }
}
