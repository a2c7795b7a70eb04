package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Seed 002's table, scaled down: a 4 GiB working set over a host whose LLC is shrunk to 2 MiB, so
 * the last-level page-table entries of a 4 KiB dimension (8 MiB of them) cannot stay cached while
 * the upper levels and 2 MiB-page tables can, as with 64 GiB over a 22 MiB LLC.
 */
class LargePagesRunTest {
  private static final double TOLERANCE = 0.25;

  @Test
  void missesPerRandomAccessFollowTheTalksTable() throws Exception {
    ScenarioLoader loader = new ScenarioLoader();
    List<RunPlan> plans =
        loader.load(
            "large-pages.json",
            BundledScenarios.read("large-pages").orElseThrow(),
            List.of(
                "/vms/0/memory=4GiB",
                "/vms/0/workload/accesses=60000",
                "/vms/0/workload/warmup=20000",
                "/host/overrides/caches/l2/size=256KiB",
                "/host/overrides/caches/llc/size=2MiB",
                "/host/overrides/caches/llc/ways=16"),
            List.of());
    Map<String, Double> misses = new LinkedHashMap<>();
    for (RunPlan p : plans) {
      Map<String, Number> m = new Simulation(p, Simulation.Options.DEFAULT).run(f -> {}).metrics();
      misses.put(
          p.variant(), CheckedRuns.metric(m, "vm0.vcpu0.random_access.llc_misses_per_access"));
      for (var f : p.scenario().published()) {
        double v = CheckedRuns.metric(m, f.metric());
        double talk = (f.low() + f.high()) / 2;
        assertTrue(
            Math.abs(v - talk) <= TOLERANCE,
            p.variant() + ": " + v + " misses per access, talk " + talk);
      }
    }
    // Orderings that hold whatever the cache sizes: large pages in either dimension remove a
    // miss from the 2D walk; shadow walks one dimension.
    assertTrue(misses.get("base") > misses.get("ept-4k-2m") + 0.5, misses.toString());
    assertTrue(misses.get("base") > misses.get("ept-2m-4k") + 0.5, misses.toString());
    assertTrue(misses.get("ept-2m-4k") > misses.get("ept-2m-2m") + 0.5, misses.toString());
    assertTrue(misses.get("base") > misses.get("shadow-4k-4k") + 0.5, misses.toString());
    assertEquals(
        misses.get("native-4k"), misses.get("shadow-4k-4k"), 0.1, "shadow walks like native");
  }
}
