package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bundled dirty-logging scenario scaled down to 4 vCPUs x 32 MiB each, in checking mode. */
class DirtyLoggingRunTest {
  private static final long PAGES = 4 * (32L << 20) / 4096;
  private static final long HUGE_PAGES = 4 * 32 / 2;

  @Test
  void everyPageWrittenIsHarvestedAndHugePagesComeBack() throws Exception {
    List<RunPlan> plans =
        new ScenarioLoader()
            .load(
                "dirty-logging.json",
                BundledScenarios.read("dirty-logging").orElseThrow(),
                List.of("/vms/0/vcpus=4", "/vms/0/memory=128MiB"),
                List.of());
    assertEquals(7, plans.size());
    Map<String, Number> base = null;
    Map<String, Number> logged = null;
    for (RunPlan p : plans) {
      Simulation.Outcome o = new Simulation(p, new Simulation.Options(true, true)).run(f -> {});
      assertFalse(o.cutOff(), p.variant());
      Map<String, Number> m = o.metrics();
      if (p.isBase()) {
        base = m;
        continue;
      }
      logged = m;
      assertEquals(
          PAGES, CheckedRuns.count(m, "vm0.kvm.dirty_log.distinct_dirty_pages"), p.variant());
      assertTrue(
          CheckedRuns.count(m, "vm0.kvm.dirty_log.dirty_pages_harvested") >= PAGES, p.variant());
      var hv = p.scenario().hypervisor();
      String design = hv.faultDesign();
      if (design.equals("prepopulated") && hv.eagerPageSplit()) {
        // Enabling logging split every huge page: no fault needs a huge page.
        assertEquals(HUGE_PAGES, CheckedRuns.count(m, "vm0.kvm.ept.huge_pages_split"), p.variant());
        assertEquals(0, CheckedRuns.count(m, "vm0.kvm.ept.huge_pages_zapped_on_fault"));
        // Write protection: every page's first write takes the fast path; PML: no fault.
        assertEquals(
            hv.pml() ? 0 : PAGES,
            CheckedRuns.count(m, "vm0.kvm.ept.write_protect_faults"),
            p.variant());
      } else if (design.equals("prepopulated")) {
        // No eager split: the first write to each huge page zaps it and maps its 4 KiB page, and
        // each of the 511 other pages faults as not present: one fault per 4 KiB page.
        assertEquals(0, CheckedRuns.count(m, "vm0.kvm.ept.huge_pages_split"), p.variant());
        assertEquals(HUGE_PAGES, CheckedRuns.count(m, "vm0.kvm.ept.huge_pages_zapped_on_fault"));
        assertEquals(PAGES, CheckedRuns.count(m, "vm0.kvm.ept_faults.count"), p.variant());
        assertEquals(0, CheckedRuns.count(m, "vm0.kvm.ept.write_protect_faults"), p.variant());
      }
      if (design.equals("prepopulated")) {
        // Stopping logging (a failed migration) rebuilt every huge page.
        assertEquals(HUGE_PAGES, CheckedRuns.count(m, "vm0.kvm.ept.huge_pages_restored"));
      } else {
        // Faults under logging map 4 KiB pages; stopping zaps them so faults map huge again.
        assertEquals(HUGE_PAGES, CheckedRuns.count(m, "vm0.kvm.ept.split_tables_zapped"));
      }
    }
    // Without dirty logging its statistics are never registered.
    CheckedRuns.assertAbsent(base, "vm0.kvm.dirty_log.harvests", logged, "base");
    assertEquals(0, CheckedRuns.count(base, "vm0.kvm.ept.huge_pages_split"), "nothing splits");
  }
}
