package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.profile.HardwareProfile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bundled idle-exit scenario: the busy VM owns cores 0-3 and the idle VM cores 4-7 of package
 * 0; the other cores of the host idle from the start.
 */
class IdleExitsRunTest {
  private static final Map<String, Map<String, Number>> RUNS = new LinkedHashMap<>();
  private static HardwareProfile profile;

  @BeforeAll
  static void run() throws Exception {
    for (RunPlan p :
        new ScenarioLoader()
            .load(
                "idle-exits.json",
                BundledScenarios.read("idle-exits").orElseThrow(),
                List.of("/vms/0/workload/duration=300ms", "/vms/1/workload/duration=300ms"),
                List.of())) {
      profile = p.profile();
      RUNS.put(p.variant(), new Simulation(p, Simulation.Options.DEFAULT).run(f -> {}).metrics());
    }
  }

  private static double m(String variant, String name) {
    Number n = RUNS.get(variant).get(name);
    return n == null ? 0 : n.doubleValue();
  }

  @Test
  void idlePollKeepsEveryCoreOfBothVmsInC0AtTheEightCoreTurboBin() {
    for (int core = 0; core < 8; core++) {
      assertEquals(
          1.0, m("base", "host.power.core" + core + ".c0_residency"), 1e-9, "core " + core);
      assertEquals(
          profile.power().turbo().hz(8),
          m("base", "host.power.core" + core + ".avg_frequency_hz"),
          1.0);
    }
    assertEquals(0.0, m("base", "idle.vcpu0.time.sleep_cycles"), "a polling vCPU never sleeps");
  }

  @Test
  void mwaitInTheGuestLetsIdleCoresSleepDeepAndTheBusyCoresTurbo() {
    for (int core = 4; core < 8; core++) {
      assertTrue(m("mwait", "host.power.core" + core + ".c6_residency") > 0.9, "core " + core);
    }
    // Only the busy VM's 4 cores are active now: the 3-4-core turbo bin while they run.
    double busyHz = m("mwait", "host.power.core0.avg_frequency_hz");
    assertTrue(busyHz > m("base", "host.power.core0.avg_frequency_hz"), "" + busyHz);
    assertTrue(busyHz <= profile.power().turbo().hz(4));
    assertTrue(
        m("mwait", "busy.cpu_bench.bursts_per_second")
            > m("base", "busy.cpu_bench.bursts_per_second"));
    // MWAIT does not exit: the vCPU threads look busy to the host all the same.
    assertEquals(0.0, m("mwait", "idle.vcpu0.time.sleep_cycles"));
  }

  @Test
  void hltExitsPutTheIdleVcpuThreadsToSleep() {
    double elapsed = m("hlt", "sim.cycles");
    assertTrue(m("hlt", "idle.vcpu0.time.sleep_cycles") > 0.8 * elapsed);
    assertTrue(m("hlt", "idle.vcpu0.exits.hlt.count") > 0);
    assertEquals(0.0, m("mwait", "idle.vcpu0.exits.hlt.count"));
  }
}
