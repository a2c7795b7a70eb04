package dev.vsim.scenarios.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.scenarios.run.ScenarioLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The loader refuses the combinations of paging mode, fault design, host scheduler, power model and
 * workload that mean nothing together, at the position of the setting that does not fit and with
 * the reason.
 */
class CompositionErrorsTest {
  private final ScenarioLoader loader = new ScenarioLoader();

  /**
   * A scenario whose host is line 3, hypervisor line 4 (its members from column 18) and workload
   * line 5 (the type at column 45).
   */
  private static String scenario(String host, String hypervisor, String workload) {
    return "{\n"
        + "  \"name\": \"t\",\n"
        + "  \"host\": {"
        + host
        + "},\n"
        + "  \"hypervisor\": {"
        + hypervisor
        + "},\n"
        + "  \"vms\": [{\"vcpus\": 2, \"workload\": {\"type\": \""
        + workload
        + "\"}}]\n"
        + "}\n";
  }

  private String error(String text) {
    return assertThrows(
            ScenarioException.class, () -> loader.load("t.json", text, List.of(), List.of()))
        .getMessage();
  }

  @Test
  void theTdpMmuBuildsNoShadowTables() {
    assertEquals(
        "t.json:4:53: the TDP MMU builds only two-dimensional (EPT) tables; shadow pages fault"
            + " under the MMU lock: use \"mmu-lock\" or \"prepopulated\" (at /hypervisor/faultDesign)",
        error(scenario("", "\"paging\": \"shadow\", \"faultDesign\": \"tdp-mmu\"", "dirtier")));
  }

  @Test
  void preFaultingMapsOnlyEpt() {
    assertEquals(
        "t.json:4:53: KVM_PRE_FAULT_MEMORY maps only two-dimensional (EPT) tables: use"
            + " \"mmu-lock\" or \"prepopulated\" (at /hypervisor/faultDesign)",
        error(scenario("", "\"paging\": \"shadow\", \"faultDesign\": \"prefault\"", "dirtier")));
  }

  @Test
  void dirtyLoggingNeedsEpt() {
    assertEquals(
        "t.json:4:54: dirty logging tracks writes in EPT: it needs \"paging\": \"ept\""
            + " (at /hypervisor/dirtyLogging)",
        error(
            scenario(
                "",
                "\"paging\": \"native\", \"dirtyLogging\": {\"harvestEvery\": \"1ms\"}",
                "dirtier")));
  }

  @Test
  void nativePagingHasNoVcpuThreadsToSchedule() {
    assertEquals(
        "t.json:4:55: native paging runs the guest on the bare machine: there are no vCPU threads"
            + " to schedule; use \"hostScheduler\": \"none\" (at /hypervisor/hostScheduler)",
        error(scenario("", "\"paging\": \"native\", \"hostScheduler\": \"cfs\"", "vmexit")));
  }

  @Test
  void cpuBenchNeedsThePowerModel() {
    assertEquals(
        "t.json:5:45: this workload reads the pCPUs' C-states and turbo frequency: model them"
            + " with \"host\": {\"idleGovernor\": \"menu\"} (at /vms/0/workload/type)",
        error(scenario("", "", "cpu-bench")));
  }

  @Test
  void aMisspeltHostSchedulerGetsADidYouMean() {
    assertEquals(
        "t.json:4:35: hostScheduler: unknown host scheduler \"cfss\"; did you mean cfs? (known:"
            + " none, cfs) (at /hypervisor/hostScheduler)",
        error(scenario("", "\"hostScheduler\": \"cfss\"", "vmexit")));
  }

  @Test
  void aMisspeltWorkloadTypeListsTheRegisteredOnes() {
    assertEquals(
        "t.json:5:45: unknown type \"dirtyer\"; use one of: vmexit, random-access, dirtier, dirty-log-perf,"
            + " demand-paging, ipi-bench, shootdown, cpu-bench (at /vms/0/workload/type)",
        error(scenario("", "", "dirtyer")));
  }
}
