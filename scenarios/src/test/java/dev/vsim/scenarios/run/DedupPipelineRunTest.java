package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    for (String variant : List.of("base", "few", "3vm", "3vm-pv")) {
      int vms = variant.startsWith("3") ? 3 : 1;
      List<String> sets = CheckedRuns.oneSocket(8);
      CheckedRuns.eachVm(sets, vms, VCPUS, "300ms");
      if (variant.equals("few")) {
        sets.add("/vms/0/workload/threads=2"); // dedup -t 2: 8 threads, most vCPUs idle
      }
      String configuration = variant.equals("few") ? "base" : variant;
      RUNS.put(variant, CheckedRuns.run("tlb-shootdown", sets, configuration));
    }
  }

  private static double metric(String variant, String name) {
    return CheckedRuns.metric(RUNS.get(variant), name);
  }

  @Test
  void withoutOvercommitThroughputIsBoundByTheVcpus() {
    // dedup -t 16: 50 threads share the 16 vCPUs, so every vCPU is busy: a chunk needs 5 + 150 +
    // 200 + 1,000 + 15 us of stage work, at most 16 / 1.37 ms = 11,679 chunks a second. The
    // threads start within one host scheduling period (24 ms for 16 pCPUs) of 300 ms, and each
    // chunk also costs its translations, shootdown and context switches: at least 85% of that.
    double perSecond = metric("base", "vm0.shootdown.records_per_second");
    double bound = 16 / 1.37e-3;
    assertTrue(perSecond <= bound && perSecond > 0.85 * bound, perSecond + " chunks/s");
    assertEquals(0.0, metric("base", "vm0.shootdown.ipis_skipped_preempted"));
  }

  @Test
  void withFewThreadsThroughputIsBoundByCompress() {
    // dedup -t 2: two Compress threads at 1 ms a chunk, nothing else near it: at most 2,000 chunks
    // a second, and at least 2 x (300 - 25) / 1.02 chunks in the 300 ms (as above).
    double perSecond = metric("few", "vm0.shootdown.records_per_second");
    assertTrue(perSecond <= 2_000 && perSecond > 1_797, perSecond + " chunks/s");
  }

  @Test
  void compressUnmapsEveryChunkOnceAndReorderWritesThemOut() {
    for (String variant : RUNS.keySet()) {
      double shootdowns = metric(variant, "vm0.shootdown.count");
      double written = metric(variant, "vm0.shootdown.records");
      // Chunks unmapped but not yet written when the run ends sit in Reorder's queue (depth 32),
      // in Reorder's hands (1), or with one of the 16 Compress threads waiting for room.
      assertTrue(written <= shootdowns && shootdowns <= written + 32 + 1 + 16, variant);
      assertEquals(0.0, metric(variant, "vm0.shootdown.page_faults"), variant);
    }
  }

  @Test
  void threadsBlockOnTheQueuesAndIdleVcpusAreSkippedAsLazyTlbCpus() {
    for (String variant : RUNS.keySet()) {
      assertTrue(metric(variant, "vm0.shootdown.pipeline.sleeps") > 0, variant);
    }
    // With 8 threads on 16 vCPUs, vCPUs idle: a wake-up sends them a reschedule IPI, and
    // shootdowns skip them.
    assertTrue(metric("few", "vm0.shootdown.pipeline.wakeup_ipis") > 0);
    assertTrue(metric("few", "vm0.shootdown.ipis_skipped_lazy") > 0);
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
