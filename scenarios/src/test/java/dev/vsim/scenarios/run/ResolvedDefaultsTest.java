package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vsim.scenarios.model.CpuBenchWorkloadSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The resolved scenario shows the value a default resolved to, never a null: a cpu-bench workload
 * without {@code copies} runs one copy per vCPU of its VM, and says so.
 */
class ResolvedDefaultsTest {
  private static final String TEXT =
      "{\n"
          + "  \"name\": \"t\",\n"
          + "  \"host\": {\"profile\": \"core-i7-4770\", \"idleGovernor\": \"menu\"},\n"
          + "  \"vms\": [\n"
          + "    {\"name\": \"all\", \"vcpus\": 3, \"workload\": {\"type\": \"cpu-bench\"}},\n"
          + "    {\"name\": \"one\", \"vcpus\": 2,\n"
          + "     \"workload\": {\"type\": \"cpu-bench\", \"copies\": 1}}\n"
          + "  ],\n"
          + "  \"stop\": {\"after\": \"1ms\"},\n"
          + "  \"variants\": {\"wider\": {\"/vms/0/vcpus\": 4}}\n"
          + "}\n";

  private static List<RunPlan> plans(String... sets) throws Exception {
    return new ScenarioLoader().load("t.json", TEXT, List.of(sets), List.of());
  }

  @Test
  void omittedCopiesResolveToTheVmsVcpusAndGivenOnesStay() throws Exception {
    ScenarioLoader loader = new ScenarioLoader();
    List<RunPlan> plans = loader.load("t.json", TEXT, List.of(), List.of());
    JsonNode root =
        loader.json().mapper().readTree(new Runner(loader.json()).resolvedScenario(plans));
    assertEquals(3, root.at("/base/vms/0/workload/copies").asInt());
    assertEquals(1, root.at("/base/vms/1/workload/copies").asInt());
    // A variant's VM of 4 vCPUs resolves its own default: the default follows the VM.
    assertEquals(4, root.at("/variants/wider/vms/0/workload/copies").asInt());
    List<String> nulls = new ArrayList<>();
    collectNulls(root.at("/base/vms"), "/base/vms", nulls);
    assertTrue(nulls.isEmpty(), "nulls in the resolved VMs: " + nulls);
  }

  @Test
  void anOverriddenVcpuCountMovesTheResolvedCopies() throws Exception {
    CpuBenchWorkloadSpec w =
        (CpuBenchWorkloadSpec) plans("/vms/0/vcpus=6").get(0).scenario().vms().get(0).workload();
    assertEquals(6, w.copies());
  }

  private static void collectNulls(JsonNode n, String at, List<String> out) {
    if (n.isNull()) {
      out.add(at);
    } else if (n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        collectNulls(e.getValue(), at + "/" + e.getKey(), out);
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        collectNulls(n.get(i), at + "/" + i, out);
      }
    }
    assertFalse(n.isMissingNode(), at);
  }
}
