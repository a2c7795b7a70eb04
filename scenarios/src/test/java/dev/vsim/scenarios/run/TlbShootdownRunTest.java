package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bundled TLB-shootdown scenario scaled down to 8-vCPU VMs on an 8-thread host, in checking
 * mode: no vCPU that took part in a shootdown still caches the page once it completes, with or
 * without PV TLB flush (a skipped, preempted vCPU must owe a flush on entry instead). The VMs run
 * ebizzy's independent threads, always runnable, so that 2 and 3 VMs overcommit the 8 threads (8
 * vCPUs of dedup's pipeline are mostly asleep: see {@link DedupPipelineRunTest}).
 */
class TlbShootdownRunTest {
  private static final int VCPUS = 8;
  private static final Map<String, Map<String, Number>> RUNS = new LinkedHashMap<>();

  @BeforeAll
  static void run() throws Exception {
    for (String variant : List.of("base", "1vm-pv", "2vm", "2vm-pv", "3vm", "3vm-pv")) {
      int vms = variant.startsWith("3") ? 3 : variant.startsWith("2") ? 2 : 1;
      List<String> sets = CheckedRuns.oneSocket(4);
      CheckedRuns.eachVm(sets, vms, VCPUS, "150ms");
      for (int vm = 0; vm < vms; vm++) {
        sets.add("/vms/" + vm + "/workload/preset=ebizzy");
      }
      RUNS.put(variant, CheckedRuns.run("tlb-shootdown", sets, variant));
    }
  }

  private static double metric(String variant, String name) {
    return CheckedRuns.metric(RUNS.get(variant), name);
  }

  @Test
  void withoutOvercommitPvTlbFlushChangesNothing() {
    // Every vCPU has its own thread: none is ever preempted, so none is skipped.
    assertEquals(0.0, metric("1vm-pv", "vm0.shootdown.ipis_skipped_preempted"));
    for (String m :
        List.of("vm0.shootdown.records", "vm0.shootdown.count", "vm0.shootdown.latency_us_p99")) {
      assertEquals(metric("base", m), metric("1vm-pv", m), m);
    }
  }

  @Test
  void underOvercommitPvTlbFlushSkipsPreemptedVcpusInsteadOfSpinningForThem() {
    for (String vms : List.of("2vm", "3vm")) {
      String pv = vms + "-pv";
      assertTrue(metric(pv, "vm0.shootdown.ipis_skipped_preempted") > 0, pv);
      assertEquals(0.0, metric(vms, "vm0.shootdown.ipis_skipped_preempted"), vms);
      // Without PV flush an initiator spins on preempted targets until pause-loop exiting yields
      // to them; with it, it rarely waits for one.
      double yields = metric(vms, "vm0.kvm.ple.directed_yields");
      double pvYields = metric(pv, "vm0.kvm.ple.directed_yields");
      assertTrue(pvYields * 3 < yields, vms + ": " + yields + " directed yields, PV " + pvYields);
    }
    assertEquals(0.0, metric("base", "vm0.kvm.ple.directed_yields"), "nothing to yield to");
  }

  @Test
  void stealTimeIsExactlyTheTimeEachVcpuWaitedToRun() {
    for (String variant : List.of("2vm", "3vm-pv")) {
      int vms = variant.startsWith("2") ? 2 : 3;
      double total = 0;
      for (int vm = 0; vm < vms; vm++) {
        for (int v = 0; v < VCPUS; v++) {
          String p = "vm" + vm + ".vcpu" + v + ".";
          double steal = metric(variant, p + "steal.cycles");
          assertEquals(metric(variant, p + "thread.wait_cycles"), steal, variant + " " + p);
          total += steal;
        }
      }
      assertTrue(total > 0, variant + ": an overcommitted host steals time");
    }
    assertEquals(0.0, metric("base", "vm0.vcpu3.steal.cycles"));
  }
}
