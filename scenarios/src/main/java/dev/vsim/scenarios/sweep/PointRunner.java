package dev.vsim.scenarios.sweep;

import dev.vsim.results.ResultWriter;
import dev.vsim.results.RunResult;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.run.RunPlan;
import dev.vsim.scenarios.run.Runner;
import dev.vsim.scenarios.run.ScenarioLoader;
import dev.vsim.scenarios.run.Simulation;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs one sweep point in this process, from its resolved scenario text alone. */
public final class PointRunner {
  private PointRunner() {}

  /** Runs the point and returns its result.json bytes (the same wherever it runs). */
  public static byte[] run(SweepPoint point) {
    return run(point, (f, seconds, events) -> {});
  }

  /**
   * Runs the point and returns its result.json bytes.
   *
   * @param progress told how far the point is, from this thread
   */
  public static byte[] run(SweepPoint point, Simulation.ProgressListener progress) {
    ScenarioLoader loader = new ScenarioLoader();
    List<RunPlan> plans;
    try {
      plans = loader.load(fileName(point), point.resolvedScenarioJson(), List.of(), List.of());
    } catch (ScenarioException e) {
      // The text was made by the sweep from a scenario that loaded: a different vsim version?
      throw new IllegalStateException("sweep point " + point.key() + ": " + e.getMessage(), e);
    }
    RunResult r =
        new Runner(loader.json())
            .simulate(
                fileName(point),
                plans,
                Simulation.Options.DEFAULT,
                1,
                (c, f, seconds, events) -> progress.progress(f, seconds, events));
    return ResultWriter.resultJson(r).getBytes(StandardCharsets.UTF_8);
  }

  /** The name the point's result gives as its scenario file: its cache directory. */
  static String fileName(SweepPoint point) {
    return "points/" + point.key() + "/" + ResultWriter.RESOLVED_SCENARIO;
  }
}
