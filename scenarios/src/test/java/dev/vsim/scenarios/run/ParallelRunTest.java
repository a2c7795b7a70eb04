package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.results.ResultWriter;
import dev.vsim.scenarios.json.StrictJson;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Configurations run at once on threads of their own give the same result.json, byte for byte, as
 * run one after another: they share nothing.
 */
class ParallelRunTest {
  private static List<RunPlan> plans(String scenario) throws Exception {
    ScenarioLoader loader = new ScenarioLoader();
    String text = BundledScenarios.read(scenario).orElseThrow();
    List<RunPlan> unscaled = loader.load(scenario + ".json", text, List.of(), List.of());
    List<RunPlan> out = new ArrayList<>();
    for (RunPlan p : unscaled) {
      List<String> sets = GoldenResultsTest.SCALING.get(scenario).sets(p);
      out.addAll(loader.load(scenario + ".json", text, sets, List.of(p.variant())));
    }
    return out;
  }

  private static String resultJson(List<RunPlan> plans, int jobs) throws Exception {
    Runner runner = new Runner(new StrictJson());
    return ResultWriter.resultJson(
        runner.simulate("s.json", plans, Simulation.Options.DEFAULT, jobs, (c, f) -> {}));
  }

  @Test
  void threeJobsGiveTheResultOfOne() throws Exception {
    for (String scenario : List.of("ept-fault-designs", "tlb-shootdown")) {
      List<RunPlan> plans = plans(scenario);
      assertEquals(resultJson(plans, 1), resultJson(plans, 3), scenario);
    }
  }

  @Test
  void aConfigurationThatFailsFailsTheRunWithItsOwnError() throws Exception {
    List<RunPlan> plans = plans("vmexit");
    Runner runner = new Runner(new StrictJson());
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                runner.simulate(
                    "s.json",
                    plans,
                    Simulation.Options.DEFAULT,
                    2,
                    (c, f) -> {
                      if (c.equals("8-vcpus") && f > 0.5) {
                        throw new IllegalStateException("stop " + c);
                      }
                    }));
    assertEquals("stop 8-vcpus", e.getMessage());
  }
}
