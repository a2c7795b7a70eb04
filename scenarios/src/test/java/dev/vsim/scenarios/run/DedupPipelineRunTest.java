package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bundled TLB-shootdown scenario's dedup pipeline, 16-vCPU VMs on a 16-thread host for 300 ms
 * in checking mode: no stale translation survives a completed shootdown, whether its targets were
 * sent an IPI, skipped asleep in lazy TLB mode or skipped preempted under PV TLB flush.
 */
class DedupPipelineRunTest {
  private static final int VCPUS = 16;
  private static final Map<String, Map<String, Number>> RUNS = new LinkedHashMap<>();

  @BeforeAll
  static void run() throws Exception {
    for (String variant : List.of("base", "3vm", "3vm-pv")) {
      int vms = variant.startsWith("3") ? 3 : 1;
      List<String> sets = new ArrayList<>();
      sets.add("/host/overrides/topology/sockets=1");
      sets.add("/host/overrides/topology/coresPerSocket=8");
      sets.add("/host/overrides/topology/threadsPerCore=2");
      for (int vm = 0; vm < vms; vm++) {
        sets.add("/vms/" + vm + "/vcpus=" + VCPUS);
        sets.add("/vms/" + vm + "/workload/duration=300ms");
      }
      RunPlan p =
          new ScenarioLoader()
              .load(
                  "tlb-shootdown.json",
                  BundledScenarios.read("tlb-shootdown").orElseThrow(),
                  sets,
                  List.of(variant))
              .get(0);
      Simulation.Outcome o = new Simulation(p, new Simulation.Options(true, true)).run(f -> {});
      assertFalse(o.cutOff(), p.variant());
      RUNS.put(p.variant(), o.metrics());
    }
  }

  private static double metric(String variant, String name) {
    Number n = RUNS.get(variant).get(name);
    return n == null ? 0 : n.doubleValue();
  }

  @Test
  void withoutOvercommitThroughputIsCompressBound() {
    // 16 threads: Fragment, Reorder, and 14 dealt in turn to Refine (5), Deduplicate (5) and
    // Compress (4). Compress takes 1 ms a chunk, the others far less: at most 4 chunks a ms. With
    // nothing preempted Compress is busy from the time the pipeline fills, under 1 ms after
    // Fragment's thread starts, within one scheduling period (24 ms for 16 pCPUs); each chunk
    // also costs its translations and shootdown (under 2%): 4 x (300 - 25) / 1.02 chunks or more.
    double perSecond = metric("base", "vm0.shootdown.records_per_second");
    assertTrue(perSecond <= 4_000 && perSecond > 3_595, perSecond + " chunks/s");
    assertEquals(0.0, metric("base", "vm0.shootdown.ipis_skipped_preempted"));
  }

  @Test
  void compressUnmapsEveryChunkOnceAndReorderWritesThemOut() {
    for (String variant : RUNS.keySet()) {
      double shootdowns = metric(variant, "vm0.shootdown.count");
      double written = metric(variant, "vm0.shootdown.records");
      // Chunks compressed but not yet written when the run ends sit in Reorder's queue (depth 32)
      // or in Reorder's hands.
      assertTrue(written <= shootdowns && shootdowns <= written + 33, variant);
      assertEquals(0.0, metric(variant, "vm0.shootdown.page_faults"), variant);
    }
  }

  @Test
  void idleThreadsSleepAndAreSkippedAsLazyTlbCpus() {
    for (String variant : RUNS.keySet()) {
      assertTrue(metric(variant, "vm0.shootdown.pipeline.sleeps") > 0, variant);
      assertTrue(metric(variant, "vm0.shootdown.pipeline.wakeup_ipis") > 0, variant);
      assertTrue(metric(variant, "vm0.shootdown.ipis_skipped_lazy") > 0, variant);
    }
  }

  @Test
  void underOvercommitPvTlbFlushSkipsPreemptedTargets() {
    assertTrue(metric("3vm-pv", "vm0.shootdown.ipis_skipped_preempted") > 0);
    assertEquals(0.0, metric("3vm", "vm0.shootdown.ipis_skipped_preempted"));
    assertTrue(
        metric("3vm-pv", "vm0.shootdown.latency_us_p99")
            < metric("3vm", "vm0.shootdown.latency_us_p99"));
  }
}
