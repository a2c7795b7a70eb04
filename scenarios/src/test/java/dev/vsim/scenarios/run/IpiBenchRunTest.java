package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bundled IPI microbenchmark (80 vCPUs) with fewer iterations: the sender's exits per IPI in
 * each x2APIC mode, derived by hand, and every destination interrupted once per IPI.
 */
class IpiBenchRunTest {
  private static final long ITERATIONS = 200;
  private static final int OTHERS = 79;
  private static final Map<String, Map<String, Number>> RUNS = new LinkedHashMap<>();

  @BeforeAll
  static void run() throws Exception {
    for (RunPlan p :
        new ScenarioLoader()
            .load(
                "ipi-bench.json",
                BundledScenarios.read("ipi-bench").orElseThrow(),
                List.of("/vms/0/workload/iterations=" + ITERATIONS),
                List.of())) {
      Simulation.Outcome o = new Simulation(p, Simulation.Options.DEFAULT).run(f -> {});
      assertFalse(o.cutOff(), p.variant());
      RUNS.put(p.variant(), o.metrics());
    }
  }

  private static long count(String variant, String metric) {
    return CheckedRuns.count(RUNS.get(variant), metric);
  }

  private static double perIpi(String variant) {
    return CheckedRuns.metric(RUNS.get(variant), "vm0.vcpu0.ipi_bench.cycles_per_iteration");
  }

  @Test
  void senderExitsPerIpiFollowTheApicMode() {
    // After the last IPI the sender wakes each other vCPU once with a physical ICR write.
    String icr = "vm0.vcpu0.exits.msr_write.count";
    String vmcall = "vm0.vcpu0.exits.vmcall.count";
    // Cluster mode: APIC IDs 1..79 fall in clusters 0..4 of 16: five ICR writes.
    assertEquals(ITERATIONS * 5 + OTHERS, count("base", icr));
    assertEquals(ITERATIONS * OTHERS + OTHERS, count("physical-broadcast", icr));
    // One hypercall covers 128 consecutive APIC IDs: all 79 destinations.
    assertEquals(ITERATIONS, count("pv-broadcast", vmcall));
    assertEquals(OTHERS, count("pv-broadcast", icr));
    for (String unicast : List.of("cluster-unicast", "physical-unicast")) {
      assertEquals(ITERATIONS + OTHERS, count(unicast, icr), unicast);
    }
    assertEquals(ITERATIONS, count("pv-unicast", vmcall));
  }

  @Test
  void everyDestinationTakesEachIpiOnce() {
    for (int v = 1; v <= OTHERS; v++) {
      String injected = "vm0.vcpu" + v + ".interrupts.injected";
      for (String broadcast : List.of("base", "physical-broadcast", "pv-broadcast")) {
        assertEquals(ITERATIONS + 1, count(broadcast, injected), broadcast + " vCPU " + v);
      }
      assertEquals(v == 1 ? ITERATIONS + 1 : 1, count("pv-unicast", injected));
    }
  }

  @Test
  void exitlessIpisHelpBroadcastMostInPhysicalModeAndLeaveUnicastAlone() {
    double physicalGain = perIpi("physical-broadcast") / perIpi("pv-broadcast");
    double clusterGain = perIpi("base") / perIpi("pv-broadcast");
    assertTrue(physicalGain > clusterGain && clusterGain > 1, physicalGain + " " + clusterGain);
    double unicast = perIpi("pv-unicast") / perIpi("physical-unicast");
    assertTrue(unicast > 0.7 && unicast < 1.5, "unicast ratio " + unicast);
  }
}
