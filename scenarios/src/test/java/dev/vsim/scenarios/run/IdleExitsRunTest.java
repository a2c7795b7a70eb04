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
    return CheckedRuns.metric(RUNS.get(variant), name);
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
    // The idle guest halts until its next 4 ms tick. Its vCPU thread sleeps, the host puts the
    // pCPU into C6 (its 600 us target residency fits in 4 ms) and the tick wakes it after C6's
    // 133 us exit latency, the 10,400-cycle vCPU wake-up (4 us at 2.6 GHz) and the exit and entry
    // (under 1 us): a period of 4.137 ms, so HLT number i starts at i x 4.137 ms and the guest
    // halts for i = 0..72 (72 x 4.137 = 297.9 ms < 300 ms <= 73 x 4.137): 73 HLT exits. (Any
    // wake-up between 109 and 167 us gives 73.)
    assertEquals(73, (long) m("hlt", "idle.vcpu0.exits.hlt.count"));
    // With MWAIT in the guest there is no HLT exit, so the counter never appears.
    String hlt = "idle.vcpu0.exits.hlt.count";
    CheckedRuns.assertAbsent(RUNS.get("mwait"), hlt, RUNS.get("hlt"), "mwait");
  }
}
