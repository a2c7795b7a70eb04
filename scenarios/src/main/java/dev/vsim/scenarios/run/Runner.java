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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

/** Simulates every configuration of a loaded scenario and writes the run's directory. */
public final class Runner {
  private final StrictJson json;

  public Runner(StrictJson json) {
    this.json = json;
  }

  /** Simulates each plan in order, one after another. */
  public RunResult simulate(
      String file,
      List<RunPlan> plans,
      Simulation.Options options,
      BiConsumer<String, Double> progress) {
    return simulate(file, plans, options, 1, progress);
  }

  /**
   * Simulates the plans, up to {@code jobs} at a time on threads of their own. Configurations share
   * nothing, so the result is the same whatever the number of jobs; it lists them in plan order.
   *
   * @param progress receives (configuration, fraction done), from the configuration's thread
   */
  public RunResult simulate(
      String file,
      List<RunPlan> plans,
      Simulation.Options options,
      int jobs,
      BiConsumer<String, Double> progress) {
    return simulate(file, plans, options, jobs, (c, f, seconds, events) -> progress.accept(c, f));
  }

  /** Told now and then how far each configuration is, from the configuration's thread. */
  @FunctionalInterface
  public interface Listener {
    /**
     * @param configuration the configuration's name
     * @param fraction the fraction of its stop time simulated (1.0 when it is done)
     * @param simulatedSeconds the simulated time so far
     * @param events the events fired so far
     */
    void progress(String configuration, double fraction, double simulatedSeconds, long events);
  }

  /**
   * Simulates the plans, up to {@code jobs} at a time, telling {@code progress} how far each is.
   */
  public RunResult simulate(
      String file, List<RunPlan> plans, Simulation.Options options, int jobs, Listener progress) {
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
    }
    List<Report.Configuration> done = new ArrayList<>();
    if (jobs == 1 || plans.size() == 1) {
      for (RunPlan p : plans) {
        done.add(configuration(p, options, progress));
      }
      return Report.build(file, done);
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(jobs, plans.size()),
            r -> {
              Thread t = new Thread(r, "vsim-configuration");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<Report.Configuration>> futures = new ArrayList<>();
      for (RunPlan p : plans) {
        futures.add(pool.submit(() -> configuration(p, options, progress)));
      }
      for (Future<Report.Configuration> f : futures) {
        done.add(f.get());
      }
    } catch (ExecutionException e) {
      // The first configuration to fail, in plan order, fails the run; the others are stopped.
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      pool.shutdownNow();
    }
    return Report.build(file, done);
  }

  private static Report.Configuration configuration(
      RunPlan p, Simulation.Options options, Listener progress) {
    Simulation sim = new Simulation(p, options);
    Simulation.Outcome o =
        sim.run(
            (Simulation.ProgressListener)
                (f, seconds, events) -> progress.progress(p.variant(), f, seconds, events));
    progress.progress(
        p.variant(),
        1.0,
        (double) o.simulatedCycles() / p.profile().frequency().baseHz(),
        o.events());
    return new Report.Configuration(p, o);
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
