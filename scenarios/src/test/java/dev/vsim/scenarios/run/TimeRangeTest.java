package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.scenarios.json.ScenarioException;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Counts of cycles from scenario values never wrap around: what passes the simulator's time range
 * is refused at load with the range in years at the profile's clock, and a loop longer than the
 * range runs (cut off by its stop time) batched exactly as stepped.
 */
class TimeRangeTest {
  private static final String TEXT =
      "{\n"
          + "  \"name\": \"t\",\n"
          + "  \"vms\": [{\"workload\": {\"type\": \"vmexit\", \"tests\": [\"cpuid\"]}}],\n"
          + "  \"stop\": {\"after\": \"100us\"}\n"
          + "}\n";

  private static String error(String... sets) {
    return assertThrows(
            ScenarioException.class,
            () -> new ScenarioLoader().load("t.json", TEXT, List.of(sets), List.of()))
        .getMessage();
  }

  @Test
  void loopWorkPastTheRangeIsRefusedAtLoad() {
    assertEquals(
        "--set /vms/0/workload/loopCycles=4611686018427387904: loopCycles: the loops' guest work,"
            + " 1 test(s) × 4 iterations × 4611686018427387904 loopCycles, passes the simulator's"
            + " time range; use fewer iterations or loopCycles (4611686018427387903 cycles, 56.2"
            + " years at host \"xeon-gold-6142\"'s 2.6 GHz clock) (at /vms/0/workload/loopCycles)",
        error("/vms/0/workload/iterations=4", "/vms/0/workload/loopCycles=4611686018427387904"));
  }

  @Test
  void stopTimePastTheRangeIsRefusedAtLoad() {
    assertEquals(
        "--set /stop/after=\"4611686018427387904cycles\": \"4611686018427387904cycles\" passes"
            + " the simulator's time range of 4611686018427387903 cycles, 56.2 years at host"
            + " \"xeon-gold-6142\"'s 2.6 GHz clock; use a shorter time (at /stop/after)",
        error("/stop/after=\"4611686018427387904cycles\""));
  }

  @Test
  void stopTimeBelowOneCycleIsRefusedAtLoad() {
    assertEquals(
        "--set /stop/after=\"1ps\": stop.after of 1ps is less than one cycle of host"
            + " \"xeon-gold-6142\"'s 2.6 GHz clock; give at least \"1cycle\" (at /stop/after)",
        error("/stop/after=\"1ps\""));
  }

  @Test
  void aLoopLongerThanTheRangeRunsBatchedAsStepped() throws Exception {
    List<String> sets =
        List.of("/vms/0/workload/iterations=10000000000000000", "/stop/after=\"1ms\"");
    RunPlan p = new ScenarioLoader().load("t.json", TEXT, sets, List.of()).get(0);
    Simulation.Outcome batched =
        new Simulation(p, new Simulation.Options(true, false)).run(f -> {});
    Simulation.Outcome stepped =
        new Simulation(p, new Simulation.Options(false, false)).run(f -> {});
    TreeMap<String, Number> b = new TreeMap<>(batched.metrics());
    TreeMap<String, Number> s = new TreeMap<>(stepped.metrics());
    b.remove("sim.events");
    s.remove("sim.events");
    assertTrue(batched.cutOff());
    assertEquals(s, b);
  }
}
