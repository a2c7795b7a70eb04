package dev.vsim.scenarios.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vsim.results.ResultWriter;
import dev.vsim.results.RunResult;
import dev.vsim.scenarios.json.StrictJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/** Simulates every configuration of a loaded scenario and writes the run's directory. */
public final class Runner {
  private final StrictJson json;

  public Runner(StrictJson json) {
    this.json = json;
  }

  /**
   * Simulates each plan in order.
   *
   * @param progress receives (configuration, fraction done)
   */
  public RunResult simulate(
      String file,
      List<RunPlan> plans,
      Simulation.Options options,
      BiConsumer<String, Double> progress) {
    List<Report.Configuration> done = new ArrayList<>();
    for (RunPlan p : plans) {
      Simulation sim = new Simulation(p, options);
      Simulation.Outcome o = sim.run(f -> progress.accept(p.variant(), f));
      progress.accept(p.variant(), 1.0);
      done.add(new Report.Configuration(p, o));
    }
    return Report.build(file, done);
  }

  /** The scenario as run: every default filled in, each configuration with its full profile. */
  public String resolvedScenario(List<RunPlan> plans) {
    ObjectNode root = json.mapper().createObjectNode();
    ObjectNode variants = json.mapper().createObjectNode();
    for (RunPlan p : plans) {
      ObjectNode s = json.mapper().valueToTree(p.scenario());
      ((ObjectNode) s.get("host")).set("resolvedProfile", p.profileTree());
      if (p.isBase()) {
        root.set(RunPlan.BASE, s);
      } else {
        variants.set(p.variant(), s);
      }
    }
    if (!variants.isEmpty()) {
      root.set("variants", variants);
    }
    return json.toPrettyJson(root);
  }

  /** Writes the run's directory atomically. */
  public void write(Path dir, RunResult result, List<RunPlan> plans, double elapsedSeconds)
      throws IOException {
    Map<String, String> info = new LinkedHashMap<>();
    info.put("elapsedSeconds", String.format(java.util.Locale.ROOT, "%.3f", elapsedSeconds));
    info.put("javaVersion", System.getProperty("java.version"));
    String v = Runner.class.getPackage().getImplementationVersion();
    info.put("vsimVersion", v == null ? "development" : v);
    new ResultWriter().write(dir, result, resolvedScenario(plans), info);
  }
}
