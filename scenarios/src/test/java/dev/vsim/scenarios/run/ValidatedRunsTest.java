package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.cache.CacheReplacementPolicies;
import dev.vsim.cpu.power.IdleGovernors;
import dev.vsim.guest.apic.IpiSender;
import dev.vsim.hypervisor.mmu.FaultDesign;
import dev.vsim.hypervisor.mmu.VmMemory;
import dev.vsim.hypervisor.sched.HostScheduler;
import dev.vsim.mmu.tlb.ReplacementPolicies;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.model.WorkloadSpecs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What {@code validate} accepts, {@code run} runs: scenarios combining every plug point's names
 * (workloads, paging modes, fault designs, host schedulers, TLB and cache replacement policies,
 * idle governors, IPI modes) with parameters at the edges of their ranges, enumerated
 * deterministically, either are refused at load with a position or run for a tiny stop time without
 * an internal error.
 */
class ValidatedRunsTest {
  private static final int COMBINATIONS = 300;

  /** Workload bodies (besides "type") with parameters at the edges of their ranges. */
  private static final Map<String, List<String>> WORKLOADS =
      Map.of(
          "vmexit",
          List.of(
              "",
              "\"iterations\": 1, \"loopCycles\": 0",
              "\"iterations\": 10000000000000000, \"tests\": [\"vmcall\"]",
              "\"loopCycles\": 1000000000000, \"tests\": [\"self-ipi\"]"),
          "random-access",
          List.of(
              "", "\"accesses\": 1, \"warmup\": 0", "\"workingSet\": \"4KiB\"", "\"writes\": true"),
          "dirtier",
          List.of("", "\"passes\": 1, \"stride\": \"4KiB\"", "\"bytesPerVcpu\": \"4KiB\""),
          "dirty-log-perf",
          List.of(
              "\"bytesPerVcpu\": \"256KiB\"",
              "\"bytesPerVcpu\": \"256KiB\", \"manualProtect\": false, \"writePercent\": 50",
              "\"bytesPerVcpu\": \"4KiB\", \"iterations\": 3, \"partitionVcpuMemory\": false",
              "\"bytesPerVcpu\": \"64KiB\", \"writePercent\": 0"),
          "demand-paging",
          List.of(
              "\"bytesPerVcpu\": \"256KiB\"",
              "\"bytesPerVcpu\": \"4KiB\", \"partitionVcpuMemory\": false"),
          "ipi-bench",
          List.of(
              "",
              "\"iterations\": 1, \"sendCycles\": 0, \"pollCycles\": 1",
              "\"tests\": [\"normal-ipi\", \"broadcast-lock\"]"),
          "shootdown",
          List.of(
              "",
              "\"preset\": \"dedup\"",
              "\"recordsPerUnmap\": 1, \"touchesPerRecord\": 1, \"record\": \"0cycles\"",
              "\"duration\": \"1cycle\""),
          "cpu-bench",
          List.of(
              "",
              "\"preset\": \"idle\"",
              "\"burst\": \"1cycle\", \"idleTime\": \"0cycles\"",
              "\"duration\": \"1cycle\"",
              "\"idle\": \"poll\"",
              "\"idle\": \"mwait\", \"burst\": \"0cycles\", \"idleTime\": \"1cycle\"",
              "\"duration\": \"0cycles\"",
              "\"burst\": \"0cycles\", \"idleTime\": \"0cycles\""));

  private static final List<String> VCPUS = List.of("1", "2", "3", "8");
  private static final List<String> MEMORY = List.of("\"4MiB\"", "\"128MiB\"", "\"1GiB\"");
  private static final List<String> HOST_PAGES = List.of("\"4KiB\"", "\"4KiB\"", "\"2MiB\"");
  private static final List<String> DIRTY_LOGGING =
      List.of(
          "",
          "",
          "",
          ", \"dirtyLogging\": {\"harvestEvery\": \"1us\"}",
          ", \"pml\": false, \"eagerPageSplit\": false,"
              + " \"dirtyLogging\": {\"harvestEvery\": \"1cycle\"}",
          ", \"dirtyLogging\": {\"harvestEvery\": \"0cycles\"}");
  // Mostly the profile as it is; now and then a value at an edge of its range.
  private static final List<String> OVERRIDES =
      List.of(
          "",
          "",
          "",
          "",
          "",
          "",
          "",
          "",
          "\"/caches/llc/ways\": 1",
          "\"/topology/coresPerSocket\": 1",
          "\"/frequency/baseHz\": 1000000, \"/frequency/maxTurboHz\": 1000000",
          "\"/tlb/stlb/ways\": 1536",
          "\"/caches/llc/ways\": 7",
          "\"/caches/l2/ways\": 128, \"/caches/l2/size\": \"8MiB\"",
          "\"/frequency/baseHz\": 9000000000000000000, \"/frequency/maxTurboHz\": 9000000000000000000",
          "\"/topology/coresPerSocket\": 1000000",
          "\"/topology/coresPerSocket\": 1073741824");
  private static final List<String> STOPS = List.of("\"1cycle\"", "\"7us\"", "\"40us\"");

  private static <T> T pick(SplittableRandom r, List<T> from) {
    return from.get(r.nextInt(from.size()));
  }

  /** Scenario {@code i}: each plug point's names in turn, the parameters from a seeded stream. */
  static String scenario(int i) {
    SplittableRandom r = new SplittableRandom(i);
    List<String> types = WorkloadSpecs.REGISTRY.names();
    String type = types.get(i % types.size());
    String body = pick(r, WORKLOADS.get(type));
    String ipiMode = pick(r, IpiSender.MODES.names());
    if (type.equals("ipi-bench")) {
      body = "\"mode\": \"" + ipiMode + "\"" + (body.isEmpty() ? "" : ", " + body);
    } else if (type.equals("shootdown")) {
      body = "\"ipiMode\": \"" + ipiMode + "\"" + (body.isEmpty() ? "" : ", " + body);
    }
    List<String> governors = new ArrayList<>(IdleGovernors.REGISTRY.names());
    governors.add(null);
    String governor = pick(r, governors);
    String overrides = pick(r, OVERRIDES);
    String tlb = pick(r, ReplacementPolicies.REGISTRY.names());
    String cache = pick(r, CacheReplacementPolicies.REGISTRY.names());
    overrides =
        "\"/tlb/replacement\": \""
            + tlb
            + "\", \"/caches/l2/replacement\": \""
            + cache
            + "\""
            + (overrides.isEmpty() ? "" : ", " + overrides);
    return "{\"name\": \"p"
        + i
        + "\", \"host\": {"
        + (governor == null ? "" : "\"idleGovernor\": \"" + governor + "\", ")
        + "\"overrides\": {"
        + overrides
        + "}}, \"hypervisor\": {\"paging\": \""
        + VmMemory.PAGING.names().get(i / types.size() % VmMemory.PAGING.names().size())
        + "\", \"faultDesign\": \""
        + pick(r, FaultDesign.REGISTRY.names())
        + "\", \"hostScheduler\": \""
        + pick(r, HostScheduler.REGISTRY.names())
        + "\""
        + pick(r, DIRTY_LOGGING)
        + "}, \"vms\": [{\"vcpus\": "
        + (type.equals("random-access") ? "1" : type.equals("ipi-bench") ? "2" : pick(r, VCPUS))
        + ", \"memory\": "
        + pick(r, MEMORY)
        + ", \"hostPageSize\": "
        + pick(r, HOST_PAGES)
        + ", \"workload\": {\"type\": \""
        + type
        + "\""
        + (body.isEmpty() ? "" : ", " + body)
        + "}}], \"stop\": {\"after\": "
        + pick(r, STOPS)
        + "}}";
  }

  @Test
  @Timeout(120) // a run that does not end (or fills the heap building a machine) fails, not hangs
  void whateverValidatesRunsForATinyStopTime() {
    List<String> failures = new ArrayList<>();
    int ran = 0;
    for (int i = 0; i < COMBINATIONS; i++) {
      String text = scenario(i);
      List<RunPlan> plans;
      try {
        plans = new ScenarioLoader().load("p.json", text, List.of(), List.of());
      } catch (ScenarioException e) {
        continue; // refused at load, with a position: fine
      } catch (RuntimeException e) {
        failures.add(text + "\n  load: " + e);
        continue;
      }
      try {
        for (RunPlan p : plans) {
          new Simulation(p, Simulation.Options.DEFAULT).run(f -> {});
        }
        ran++;
      } catch (RuntimeException | StackOverflowError e) {
        failures.add(text + "\n  run: " + e);
      }
    }
    assertTrue(failures.isEmpty(), failures.size() + " failed:\n" + String.join("\n", failures));
    assertTrue(
        ran >= COMBINATIONS / 5, "only " + ran + " of " + COMBINATIONS + " combinations ran");
  }
}
