package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A tiny dirty_log_perf_test (1 vCPU, -b 8M: 2,048 pages, 32 words of bitmap), its host-side phases
 * derived by hand from the profile's costs (xeon-gold-6142 at 2.6 GHz: 10 cycles per SPTE or bitmap
 * word, 3,000 a remote flush, 11,840 a huge-page split).
 */
class DirtyLogPerfRunTest {
  private static final double HZ = 2.6e9;

  private static Map<String, Number> run(String variant, String... sets) throws Exception {
    List<String> all =
        new java.util.ArrayList<>(
            List.of("/vms/0/workload/bytesPerVcpu=8MiB", "/vms/0/memory=8MiB"));
    all.addAll(List.of(sets));
    List<RunPlan> plans =
        new ScenarioLoader()
            .load(
                "dirty-log-perf.json",
                BundledScenarios.read("dirty-log-perf").orElseThrow(),
                all,
                List.of(variant));
    Simulation.Outcome o =
        new Simulation(plans.get(0), new Simulation.Options(true, true)).run(f -> {});
    assertFalse(o.cutOff());
    return o.metrics();
  }

  private static double s(Map<String, Number> m, String name) {
    return m.get("vm0.dirty_log_perf." + name).doubleValue();
  }

  private static long n(Map<String, Number> m, String name) {
    return m.get("vm0." + name).longValue();
  }

  @Test
  void manualProtectWithInitiallySetOn4KibPages() throws Exception {
    Map<String, Number> m = run("base");
    assertEquals(2048, n(m, "kvm.ept_faults.count"), "populate: one fault per page");
    assertEquals(0, s(m, "enable_dirty_logging_seconds"), "initially set: nothing to protect");
    for (int i = 1; i <= 2; i++) {
      // A manual get copies 32 words: 320 cycles.
      assertEquals(320 / HZ, s(m, "iteration" + i + ".get_dirty_log_seconds"), 1e-12);
      // A clear reads 32 words, protects 32 x 64 pages (a visit per word and per page), flushes.
      assertEquals(
          (320 + 32 * 65 * 10 + 3000) / HZ,
          s(m, "iteration" + i + ".clear_dirty_log_seconds"),
          1e-12);
    }
    // Disabling makes 2,048 SPTEs writable again, then flushes.
    assertEquals((2048 * 10 + 3000) / HZ, s(m, "disable_dirty_logging_seconds"), 1e-12);
    assertEquals(2 * 320 / HZ, s(m, "get_dirty_log_total_seconds"), 1e-12);
    assertEquals(0, n(m, "kvm.ept.write_protect_faults"), "PML: writes do not fault");
    // Before the first clear nothing is tracked: iteration 1 dirties at memory speed, as 2 does.
    assertEquals(
        s(m, "iteration1.dirty_memory_seconds"), s(m, "iteration2.dirty_memory_seconds"), 1e-6);
    assertTrue(s(m, "populate_memory_seconds") > 10 * s(m, "iteration2.dirty_memory_seconds"));
  }

  @Test
  void withoutManualProtectEnablingProtectsAndEachGetProtectsAgain() throws Exception {
    Map<String, Number> m = run("no-manual-protect");
    // 2,048 dirty bits cleared and a flush.
    assertEquals((2048 * 10 + 3000) / HZ, s(m, "enable_dirty_logging_seconds"), 1e-12);
    // The get takes and protects 32 full words, then flushes.
    assertEquals((32 * 65 * 10 + 3000) / HZ, s(m, "iteration1.get_dirty_log_seconds"), 1e-12);
    assertNull(m.get("vm0.dirty_log_perf.iteration1.clear_dirty_log_seconds"));
    assertEquals(2 * 2048, n(m, "dirty_log_perf.dirty_pages"));
  }

  @Test
  void hugePagesWithoutEagerSplittingTheTdpMmuSplitsOnTheFirstWrite() throws Exception {
    Map<String, Number> m = run("hugetlb-2m-no-eager-split");
    // Populate: one fault per huge page; iteration 2: a split fault per huge page, then 511
    // write-protection faults each.
    assertEquals(4 + 4 + 4 * 511, n(m, "kvm.ept_faults.count"));
    // The first clear write-protects the huge leaf at the first and last page of each word.
    assertEquals(
        (320 + 2 * 32 * 10 + 32 * 65 * 10 + 3000) / HZ,
        s(m, "iteration1.clear_dirty_log_seconds"),
        1e-12);
    // Iteration 2: one split per huge page, then 511 write-protection faults each.
    assertEquals(4, n(m, "kvm.ept.huge_pages_split_on_fault"));
    assertEquals(4 * 511, n(m, "kvm.ept.write_protect_faults"));
    assertTrue(
        s(m, "iteration2.dirty_memory_seconds") > 10 * s(m, "iteration1.dirty_memory_seconds"));
  }

  @Test
  void eagerSplittingAtTheFirstClearOfAnInitiallySetSlot() throws Exception {
    Map<String, Number> m = run("hugetlb-2m");
    assertEquals(4, n(m, "kvm.ept.huge_pages_split_eagerly"));
    assertEquals(
        (320 + 4 * 11_840 + 32 * 65 * 10 + 3000) / HZ,
        s(m, "iteration1.clear_dirty_log_seconds"),
        1e-12);
    assertEquals(0, n(m, "kvm.ept.write_protect_faults"));
  }

  @Test
  void theLegacyMmuZapsAndEveryOtherPageFaultsAsNotPresent() throws Exception {
    Map<String, Number> m = run("mmu-lock-hugetlb-2m-no-eager-split");
    assertEquals(4, n(m, "kvm.ept.huge_pages_zapped_on_fault"));
    // Populate: 4 huge faults; iteration 1: 4 zaps and 4 x 511 not-present faults.
    assertEquals(4 + 4 + 4 * 511, n(m, "kvm.ept_faults.count"));
    assertEquals(0, n(m, "kvm.ept.write_protect_faults"));
  }
}
