package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vsim.cpu.registry.Registry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Bundled scenarios scaled down with {@code --set}s and run in checking mode, for run tests. */
final class CheckedRuns {
  private CheckedRuns() {}

  /** The sets that give the host one socket of {@code cores} cores of two threads. */
  static List<String> oneSocket(int cores) {
    List<String> sets = new ArrayList<>();
    sets.add("/host/overrides/topology/sockets=1");
    sets.add("/host/overrides/topology/coresPerSocket=" + cores);
    sets.add("/host/overrides/topology/threadsPerCore=2");
    return sets;
  }

  /** Adds, for each of the first {@code vms} VMs, {@code vcpus} vCPUs and a workload duration. */
  static void eachVm(List<String> sets, int vms, int vcpus, String duration) {
    for (int vm = 0; vm < vms; vm++) {
      sets.add("/vms/" + vm + "/vcpus=" + vcpus);
      sets.add("/vms/" + vm + "/workload/duration=" + duration);
    }
  }

  /**
   * Runs one configuration of a bundled scenario with batching and checking on; it must finish.
   *
   * @return its metrics
   */
  static Map<String, Number> run(String scenario, List<String> sets, String variant)
      throws Exception {
    RunPlan p =
        new ScenarioLoader()
            .load(
                scenario + ".json",
                BundledScenarios.read(scenario).orElseThrow(),
                sets,
                List.of(variant))
            .get(0);
    Simulation.Outcome o = new Simulation(p, new Simulation.Options(true, true)).run(f -> {});
    assertFalse(o.cutOff(), scenario + " " + variant + " did not finish");
    return o.metrics();
  }

  /**
   * The value of a metric, which must exist: a misspelt or renamed metric fails the test with the
   * names closest to it rather than reading as 0. (A statistic that a run registers only when it
   * first counts, such as an exit reason's counter, is asserted absent with {@link #assertAbsent}.)
   */
  static double metric(Map<String, Number> metrics, String name) {
    return require(metrics, name).doubleValue();
  }

  /** An integer metric, which must exist (see {@link #metric}). */
  static long count(Map<String, Number> metrics, String name) {
    return require(metrics, name).longValue();
  }

  /**
   * Asserts that a run never registered a metric, such as the counter of an exit reason that never
   * exited. So that a renamed metric cannot pass this vacuously, {@code present} must be a run that
   * does have it.
   */
  static void assertAbsent(
      Map<String, Number> metrics, String name, Map<String, Number> present, String message) {
    require(present, name);
    if (metrics.containsKey(name)) {
      fail(message + ": " + name + " = " + metrics.get(name) + ", expected never counted");
    }
  }

  private static Number require(Map<String, Number> metrics, String name) {
    Number n = metrics.get(name);
    if (n == null) {
      List<String> closest =
          metrics.keySet().stream()
              .sorted(
                  Comparator.comparingInt((String k) -> Registry.distance(k, name))
                      .thenComparing(k -> k))
              .limit(5)
              .toList();
      fail("no metric " + name + " among " + metrics.size() + "; the closest are " + closest);
    }
    return n;
  }
}
