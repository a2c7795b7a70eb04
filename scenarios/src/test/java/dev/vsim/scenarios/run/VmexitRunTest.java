package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.results.ResultWriter;
import dev.vsim.results.RunResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bundled vmexit scenario, scaled down, against numbers derived by hand from the profile. */
class VmexitRunTest {
  private final ScenarioLoader loader = new ScenarioLoader();

  private List<RunPlan> plans(String... sets) throws Exception {
    return loader.load(
        "scenarios/vmexit.json",
        BundledScenarios.read("vmexit").orElseThrow(),
        List.of(sets),
        List.of());
  }

  private static Map<String, Number> run(RunPlan p, boolean batching) {
    return new Simulation(p, new Simulation.Options(batching, false)).run(f -> {}).metrics();
  }

  @Test
  void roundTripsAreTheSumOfTheirPathsCosts() throws Exception {
    RunPlan base = plans("/vms/0/workload/iterations=1000").get(0);
    HardwareProfile p = base.profile();
    var vmx = p.vmx();
    var hv = p.hypervisor();
    long loop = 8; // the workload's default loopCycles
    long exit = vmx.vmExitCycles() + vmx.exitDispatchCycles() + vmx.vmEntryCycles();
    long cpuid = loop + exit + hv.cpuidHandlerCycles();
    long vmcall = loop + exit + hv.vmcallHandlerCycles();
    // SELF_IPI write exits; the entry injects the vector; the handler runs; EOI write exits.
    long selfIpi =
        loop
            + exit
            + hv.apicIcrWriteHandlerCycles()
            + hv.interruptInjectionCycles()
            + hv.guestInterruptHandlerCycles()
            + exit
            + hv.eoiHandlerCycles();
    Map<String, Number> m = run(base, true);
    assertEquals((double) cpuid, m.get("vm0.vcpu0.vmexit.cpuid.cycles_per_iteration"));
    assertEquals((double) vmcall, m.get("vm0.vcpu0.vmexit.vmcall.cycles_per_iteration"));
    assertEquals((double) selfIpi, m.get("vm0.vcpu0.vmexit.self-ipi.cycles_per_iteration"));
    // Hand-checked against the bundled profile: 8 + 950 + 100.
    assertEquals(1058.0, m.get("vm0.vcpu0.vmexit.cpuid.cycles_per_iteration"));
    assertEquals(1000L, m.get("vm0.vcpu0.exits.cpuid.count"));
    assertEquals(1000L, m.get("vm0.vcpu0.exits.vmcall.count"));
    assertEquals(2000L, m.get("vm0.vcpu0.exits.msr_write.count"), "SELF_IPI and EOI writes");
    assertEquals(1000L, m.get("vm0.vcpu0.interrupts.injected"));
    assertEquals(1000L, m.get("vm0.kvm.hypercalls.unknown"));
    assertEquals(1000L, m.get("vm0.kvm.apic.ipis_sent"));
    assertEquals(1000L, m.get("vm0.kvm.apic.eois"));
    long total = 1000 * (cpuid + vmcall + selfIpi);
    assertEquals(total, m.get("sim.cycles"));
  }

  @Test
  void batchedLoopsGiveExactlyTheStatisticsOfSteppedOnes() throws Exception {
    RunPlan base = plans("/vms/0/workload/iterations=2000", "/vms/0/vcpus=3").get(0);
    Map<String, Number> batched = run(base, true);
    Map<String, Number> stepped = run(base, false);
    // Every statistic but the number of events is identical.
    batched.remove("sim.events");
    long steppedEvents = stepped.remove("sim.events").longValue();
    assertEquals(stepped, batched);
    assertFalse(steppedEvents < 2000 * 3 * 2, "stepping fires events per exit");
  }

  @Test
  void vcpusThatShareNothingPayTheSamePerExitCost() throws Exception {
    List<RunPlan> all = plans("/vms/0/workload/iterations=500");
    assertEquals(List.of("base", "8-vcpus"), all.stream().map(RunPlan::variant).toList());
    Map<String, Number> one = run(all.get(0), true);
    Map<String, Number> eight = run(all.get(1), true);
    for (String test : List.of("cpuid", "vmcall", "self-ipi")) {
      String key = ".vmexit." + test + ".cycles_per_iteration";
      for (int v = 0; v < 8; v++) {
        assertEquals(one.get("vm0.vcpu0" + key), eight.get("vm0.vcpu" + v + key), test);
      }
    }
    assertEquals(one.get("sim.cycles"), eight.get("sim.cycles"));
  }

  @Test
  void sameScenarioAndSeedGiveByteIdenticalResults() throws Exception {
    Runner runner = new Runner(loader.json());
    List<RunPlan> p1 = plans("/vms/0/workload/iterations=300");
    List<RunPlan> p2 = plans("/vms/0/workload/iterations=300");
    RunResult r1 = runner.simulate("vmexit.json", p1, Simulation.Options.DEFAULT, (c, f) -> {});
    RunResult r2 = runner.simulate("vmexit.json", p2, Simulation.Options.DEFAULT, (c, f) -> {});
    assertEquals(ResultWriter.resultJson(r1), ResultWriter.resultJson(r2));
    assertEquals(runner.resolvedScenario(p1), runner.resolvedScenario(p2));
    assertEquals(r1.summary(), r2.summary());
  }
}
