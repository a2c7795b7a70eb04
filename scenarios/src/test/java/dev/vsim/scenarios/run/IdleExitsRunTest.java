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
 * The bundled idle-exit scenario on the talk's one-package desktop host (4 cores, 8 threads): the
 * busy VM's vCPUs own the first threads of cores 0-3 and the idle VM's the second threads, so each
 * core holds one vCPU of each VM. The busy VM runs one Unixbench copy on vCPU 0 (2 ms bursts at the
 * base clock, 200 us idle between); every other vCPU idles between 4 ms timer ticks.
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
  void idlePollKeepsEveryCoreInC0AtTheAllCoreTurboBin() {
    for (int core = 0; core < 4; core++) {
      assertEquals(
          1.0, m("base", "host.power.core" + core + ".c0_residency"), 1e-9, "core " + core);
      assertEquals(
          profile.power().turbo().hz(4),
          m("base", "host.power.core" + core + ".avg_frequency_hz"),
          1.0);
    }
    assertEquals(0.0, m("base", "host.power.package0.pc2_residency"));
    assertEquals(0.0, m("base", "idle.vcpu0.time.sleep_cycles"), "a polling vCPU never sleeps");
  }

  @Test
  void mwaitLetsIdleCoresReachC7sAndTheBusyCoreTurbo() {
    // Cores 1-3 have both threads idle between ticks: the guests' menu governor picks C7s for the
    // 4 ms to the next tick (its 500 us target residency fits), so the core sleeps in C7s except
    // for the tick's wake-up.
    for (int core = 1; core < 4; core++) {
      assertTrue(m("mwait", "host.power.core" + core + ".c7s_residency") > 0.9, "core " + core);
    }
    // Core 0's busy thread idles 200 us between bursts: under C6's 400 us target residency, so
    // its MWAIT asks for C3 (100 us), and core 0 never goes deeper than C3.
    assertTrue(m("mwait", "host.power.core0.c3_residency") > 0);
    assertEquals(0.0, m("mwait", "host.power.core0.c6_residency"));
    assertEquals(0.0, m("mwait", "host.power.core0.c7s_residency"));
    // One busy core most of the time: between the all-core bin (idle=poll) and the 1-2-core bin.
    double busyHz = m("mwait", "host.power.core0.avg_frequency_hz");
    assertTrue(busyHz > m("base", "host.power.core0.avg_frequency_hz"), "" + busyHz);
    assertTrue(busyHz <= profile.power().turbo().hz(1));
    assertTrue(
        m("mwait", "busy.cpu_bench.bursts_per_second")
            > m("base", "busy.cpu_bench.bursts_per_second"));
    // MWAIT does not exit: the vCPU threads look busy to the host all the same.
    assertEquals(0.0, m("mwait", "idle.vcpu0.time.sleep_cycles"));
  }

  @Test
  void thePackageIsHeldInPc2ThenPc3WhileCoreZeroSitsInC3() {
    double elapsed = m("mwait", "sim.cycles");
    double pc2 = m("mwait", "host.power.package0.pc2_residency") * elapsed;
    double pc3 = m("mwait", "host.power.package0.pc3_residency") * elapsed;
    // Core 0 is never in C6 or deeper, so neither is the package.
    assertEquals(0.0, m("mwait", "host.power.package0.pc6_residency"));
    assertEquals(0.0, m("mwait", "host.power.package0.pc7_residency"));
    // The package is idle only while core 0 is (in C3), and each of core 0's idle gaps (one per
    // burst) starts with at most PC3's entry delay of 79,872 ns in PC2.
    assertTrue(pc2 > 0 && pc3 > 0);
    assertTrue(pc2 + pc3 <= m("mwait", "host.power.core0.c3_residency") * elapsed + 1);
    double entryCycles = 79_872e-9 * profile.frequency().baseHz();
    assertTrue(pc2 <= (m("mwait", "busy.cpu_bench.bursts") + 1) * entryCycles + 1, "" + pc2);
  }

  @Test
  void hltExitsPutTheIdleVcpuThreadsToSleep() {
    double elapsed = m("hlt", "sim.cycles");
    assertTrue(m("hlt", "idle.vcpu0.time.sleep_cycles") > 0.8 * elapsed);
    // The idle guest halts until its next 4 ms tick. Its vCPU thread (the second thread of core 0)
    // sleeps while the busy copy keeps core 0 in C0 or C3, so the tick wakes it after at most C3's
    // 33 us exit latency, the 10,400-cycle vCPU wake-up (3 us at 3.4 GHz) and the exit and entry
    // (under 1 us): a period between 4.003 and 4.037 ms, so HLT number i starts at i x period and
    // the guest halts for i = 0..74 (74 x 4.037 = 298.7 ms < 300 ms <= 75 x 4.003): 75 HLT
    // exits. (Any period from 4.0 to 4.054 ms gives 75.)
    assertEquals(75, (long) m("hlt", "idle.vcpu0.exits.hlt.count"));
    // With MWAIT in the guest there is no HLT exit, so the counter never appears.
    String hlt = "idle.vcpu0.exits.hlt.count";
    CheckedRuns.assertAbsent(RUNS.get("mwait"), hlt, RUNS.get("hlt"), "mwait");
  }
}
