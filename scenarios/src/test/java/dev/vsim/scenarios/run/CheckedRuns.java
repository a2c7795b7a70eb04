package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
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
}
