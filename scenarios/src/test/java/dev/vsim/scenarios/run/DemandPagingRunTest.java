package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A tiny demand_paging_test: each vCPU's pass faults every one of its pages in once, and the
 * figures the selftest prints follow from the vCPUs' times (the total is the last vCPU's, the rate
 * every vCPU's pages over the total).
 */
class DemandPagingRunTest {
  private static Map<String, Number> run(String variant, int vcpus, String... sets)
      throws Exception {
    List<String> all =
        new ArrayList<>(
            List.of(
                "/vms/0/vcpus=" + vcpus,
                "/vms/0/workload/bytesPerVcpu=2MiB",
                "/vms/0/memory=" + 2 * vcpus + "MiB"));
    all.addAll(List.of(sets));
    return CheckedRuns.run("demand-paging", all, variant);
  }

  private static double d(Map<String, Number> m, String name) {
    return CheckedRuns.metric(m, "vm0.demand_paging." + name);
  }

  private static long n(Map<String, Number> m, String name) {
    return CheckedRuns.count(m, "vm0.kvm.ept_faults." + name);
  }

  @Test
  void everyPageFaultsOnceAndTheRateIsAllPagesOverTheLastVcpusTime() throws Exception {
    Map<String, Number> m = run("base", 4);
    // 4 vCPUs x 2 MiB of 4 KiB pages: 512 faults each, no page faulted twice.
    assertEquals(4 * 512, n(m, "count"));
    assertEquals(4 * 512, n(m, "host_pages_allocated"));
    double last = 0;
    for (int v = 0; v < 4; v++) {
      assertEquals(512, n(m, "vcpu" + v + ".count"));
      double t = d(m, "vcpu" + v + ".execution_seconds");
      assertTrue(t > 0, "vCPU " + v + " took time");
      last = Math.max(last, t);
    }
    assertEquals(last, d(m, "total_execution_seconds"), 0);
    assertEquals(4 * 512 / last, d(m, "pages_per_second"), 1e-6 * (4 * 512 / last));
  }

  @Test
  void hugePagesFaultOncePerHugePage() throws Exception {
    Map<String, Number> m = run("hugetlb-2m", 2);
    // 2 vCPUs x 2 MiB: one 2 MiB page each, the rest of its 512 guest pages hit it.
    assertEquals(2, n(m, "count"));
    // The rate still counts the test's 4 KiB guest pages, as the selftest does.
    assertEquals(
        2 * 512 / d(m, "total_execution_seconds"),
        d(m, "pages_per_second"),
        1e-6 * d(m, "pages_per_second"));
  }
}
