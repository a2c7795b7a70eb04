package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bundled ipi_benchmark (80 vCPUs) with fewer iterations: the sender's exits of each test in
 * each x2APIC mode and the tests without IPIs, derived by hand; every destination interrupted once
 * per IPI; with APICv no EOI exits.
 */
class IpiBenchRunTest {
  private static final long N = 200;
  private static final int OTHERS = 79;
  private static final Map<String, Map<String, Number>> RUNS = new LinkedHashMap<>();
  private static final String BENCH = "vm0.vcpu0.ipi_bench.";

  // The same with KVM's halt polling (the default): the base configuration only.
  private static Map<String, Number> polling;

  @BeforeAll
  static void run() throws Exception {
    // Without halt polling, every target that halted sleeps in the host until its IPI.
    for (RunPlan p : load(List.of("/hypervisor/haltPolling/max=0s"), List.of())) {
      RUNS.put(p.variant(), simulate(p));
    }
    polling = simulate(load(List.of(), List.of("base")).get(0));
  }

  private static List<RunPlan> load(List<String> sets, List<String> variants) throws Exception {
    List<String> all = new java.util.ArrayList<>(sets);
    all.add("/vms/0/workload/iterations=" + N);
    return new ScenarioLoader()
        .load("ipi-bench.json", BundledScenarios.read("ipi-bench").orElseThrow(), all, variants);
  }

  private static Map<String, Number> simulate(RunPlan p) {
    Simulation.Outcome o = new Simulation(p, Simulation.Options.DEFAULT).run(f -> {});
    assertFalse(o.cutOff(), p.variant());
    return o.metrics();
  }

  @Test
  void withHaltPollingTheTargetsAreMostlyPollingWhenTheirIpisCome() {
    // Each target halts for less than halt_poll_ns between the module's calls, so its window
    // grows (10, 20, 40 us...) until it covers the wait: from then on an IPI finds it polling,
    // with no thread to wake on either side.
    long asleep = count("base", "vm0.kvm.apic.halted_wakeups");
    long woken = CheckedRuns.count(polling, "vm0.kvm.apic.halted_wakeups");
    long successful = CheckedRuns.count(polling, "vm0.kvm.halt_poll.successful");
    assertTrue(woken < asleep / 2, woken + " of " + asleep);
    assertTrue(successful > N * OTHERS / 2, "successful polls " + successful);
    double broadcast = CheckedRuns.metric(polling, BENCH + "broadcast_ipi.total_ns");
    assertTrue(broadcast < metric("base", BENCH + "broadcast_ipi.total_ns"), "" + broadcast);
  }

  private static long count(String variant, String metric) {
    return CheckedRuns.count(RUNS.get(variant), metric);
  }

  private static double metric(String variant, String metric) {
    return CheckedRuns.metric(RUNS.get(variant), metric);
  }

  @Test
  void senderExitsFollowTheApicModeInEachTest() {
    // Normal IPI: one ICR write per call, in every mode (PV IPIs replace only the mask sends).
    // Broadcasts (two tests): cluster mode writes once per cluster of 16 (APIC IDs 1..79: five),
    // physical once per destination, PV makes one hypercall for all. At the end the sender wakes
    // each other vCPU once with a physical ICR write.
    String icr = "vm0.vcpu0.exits.msr_write.count";
    String vmcall = "vm0.vcpu0.exits.vmcall.count";
    for (String apicv : List.of("", "-apicv")) {
      assertEquals(
          N * (1 + 2 * 5) + OTHERS, count(apicv.isEmpty() ? "base" : "cluster" + apicv, icr));
      assertEquals(N * (1 + 2 * OTHERS) + OTHERS, count("physical" + apicv, icr));
      assertEquals(N + OTHERS, count("pv" + apicv, icr));
      assertEquals(2 * N, count("pv" + apicv, vmcall));
    }
  }

  @Test
  void theTestsWithoutAnIpiAreTheirGuestWork() {
    // Dry run: the loop's 10 cycles per iteration; self IPI: loop, the local call (100) and two
    // clock reads (60 each), its latency the call and the function's clock read. At 2.5 GHz.
    for (String v : RUNS.keySet()) {
      assertEquals(N * 10 / 2.5, metric(v, BENCH + "dry_run.total_ns"), 1e-6, v);
      assertEquals(0.0, metric(v, BENCH + "dry_run.ipi_ns"), v);
      assertEquals(N * (10 + 100 + 120) / 2.5, metric(v, BENCH + "self_ipi.total_ns"), 1e-6, v);
      assertEquals(N * (100 + 60) / 2.5, metric(v, BENCH + "self_ipi.ipi_ns"), 1e-6, v);
    }
  }

  @Test
  void everyDestinationTakesEachIpiOnceAndWithApicvWritesNoEoiThatExits() {
    for (String variant : RUNS.keySet()) {
      boolean apicv = variant.endsWith("apicv");
      for (int v = 1; v <= OTHERS; v++) {
        String p = "vm0.vcpu" + v + ".";
        long taken =
            count(variant, p + "interrupts.injected") + count(variant, p + "interrupts.posted");
        // Two broadcasts per iteration, the normal IPIs to vCPU 1, the final wake-up.
        assertEquals(2 * N + 1 + (v == 1 ? N : 0), taken, variant + " vCPU " + v);
        if (apicv) {
          assertEquals(taken, count(variant, p + "interrupts.virtual_apic_writes"), variant);
          assertFalse(RUNS.get(variant).containsKey(p + "exits.msr_write.count"), variant);
        } else {
          assertEquals(taken, count(variant, p + "exits.msr_write.count"), variant);
        }
      }
    }
  }

  @Test
  void broadcastsCostMostInPhysicalModeAndLeastWithPvIpisAndTheLockAddsToThem() {
    for (String apicv : List.of("", "-apicv")) {
      String cluster = apicv.isEmpty() ? "base" : "cluster" + apicv;
      double c = metric(cluster, BENCH + "broadcast_ipi.total_ns");
      double ph = metric("physical" + apicv, BENCH + "broadcast_ipi.total_ns");
      double pv = metric("pv" + apicv, BENCH + "broadcast_ipi.total_ns");
      assertTrue(ph > c && c > pv, ph + " " + c + " " + pv);
      for (String v : List.of(cluster, "physical" + apicv, "pv" + apicv)) {
        assertTrue(
            metric(v, BENCH + "broadcast_lock.total_ns")
                >= metric(v, BENCH + "broadcast_ipi.total_ns"),
            v);
        // The broadcast handlers take no time stamp: the module prints 0.
        assertEquals(0.0, metric(v, BENCH + "broadcast_ipi.ipi_ns"), v);
      }
    }
  }

  @Test
  void everyBroadcastWakesHaltedTargetsFromTheSendersThread() {
    // The targets halt between IPIs: a broadcast finds most of them asleep, and the sender's
    // handlers pay one try_to_wake_up for each (at most 79 per broadcast, 1 per normal IPI).
    for (String v : RUNS.keySet()) {
      long wakes = count(v, "vm0.kvm.apic.halted_wakeups");
      assertTrue(wakes > N * OTHERS && wakes <= N * (1 + 2 * OTHERS) + OTHERS, v + " " + wakes);
    }
  }
}
