package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A run cut off by {@code stop.after} counts what happened by then, exactly: batched loops of exits
 * give the same metrics as stepping every exit (all but the count of events, which batching is
 * there to save), for every bundled scenario at its reduced size, cut off at several times.
 */
class CutOffRunTest {
  private static final List<String> STOPS = List.of("37us", "260us", "1100us", "3ms");

  private static Simulation.Outcome run(String scenario, String variant, String stop, boolean batch)
      throws Exception {
    ScenarioLoader loader = new ScenarioLoader();
    String text = BundledScenarios.read(scenario).orElseThrow();
    RunPlan unscaled = loader.load(scenario + ".json", text, List.of(), List.of(variant)).get(0);
    List<String> sets = new ArrayList<>(GoldenResultsTest.SCALING.get(scenario).sets(unscaled));
    sets.add("/stop/after=" + stop);
    RunPlan p = loader.load(scenario + ".json", text, sets, List.of(variant)).get(0);
    return new Simulation(p, new Simulation.Options(batch, false)).run(f -> {});
  }

  private static TreeMap<String, Number> withoutEvents(Simulation.Outcome o) {
    TreeMap<String, Number> m = new TreeMap<>(o.metrics());
    m.remove("sim.events");
    return m;
  }

  /** The metrics two runs do not agree on, as "name: stepped vs batched". */
  private static List<String> differences(
      Map<String, Number> stepped, Map<String, Number> batched) {
    List<String> out = new ArrayList<>();
    TreeMap<String, Number> all = new TreeMap<>(stepped);
    all.putAll(batched);
    for (String k : all.keySet()) {
      if (!java.util.Objects.equals(stepped.get(k), batched.get(k))) {
        out.add(k + ": " + stepped.get(k) + " vs " + batched.get(k));
      }
    }
    return out;
  }

  @TestFactory
  Stream<DynamicTest> batchedEqualsSteppedAtEveryCutOff() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String scenario : new java.util.TreeSet<>(GoldenResultsTest.SCALING.keySet())) {
      for (String stop : STOPS) {
        tests.add(
            DynamicTest.dynamicTest(
                scenario + " cut at " + stop,
                () -> {
                  Simulation.Outcome batched = run(scenario, "base", stop, true);
                  Simulation.Outcome stepped = run(scenario, "base", stop, false);
                  assertEquals(
                      List.of(), differences(withoutEvents(stepped), withoutEvents(batched)));
                }));
      }
    }
    return tests.stream();
  }

  /**
   * The reproduction: 1,000 CPUID round trips cut off at 100 us (260,000 cycles at the
   * profile's 2.6 GHz) count only the exits that happened.
   */
  @Test
  void aCutOffLoopCountsOnlyTheExitsThatHappened() throws Exception {
    ScenarioLoader loader = new ScenarioLoader();
    String text = BundledScenarios.read("vmexit").orElseThrow();
    List<String> sets =
        List.of(
            "/vms/0/workload/iterations=1000",
            "/vms/0/workload/tests=[\"cpuid\"]",
            "/stop/after=100us");
    RunPlan p = loader.load("vmexit.json", text, sets, List.of("base")).get(0);
    Map<String, Number> m = new Simulation(p, Simulation.Options.DEFAULT).run(f -> {}).metrics();
    long cycles = m.get("sim.cycles").longValue();
    long exits = m.get("vm0.vcpu0.exits.cpuid.count").longValue();
    long roundTrip = m.get("vm0.vcpu0.exits.cpuid.cycles").longValue() / exits;
    long guest = m.get("vm0.vcpu0.time.guest_cycles").longValue();
    assertEquals(260_000, cycles);
    // Each iteration is its loop cycles and one round trip: as many as fit in the run, finished.
    long period = roundTrip + 8;
    assertEquals(cycles / period, exits);
    assertTrue(guest <= cycles, guest + " guest cycles in a run of " + cycles);
  }
}
