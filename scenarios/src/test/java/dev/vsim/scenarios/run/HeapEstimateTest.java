package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The heap bound counts the table pages that exist before the guest runs, derived here by hand: a
 * 64 GiB guest mapped whole in 4 KiB pages has 16 Mi leaf entries, 32,768 leaf tables of 4,112 heap
 * bytes each; a pre-populated 4 KiB EPT as many again, an on-demand one none.
 */
class HeapEstimateTest {
  private static final String TEXT =
      "{\n"
          + "  \"name\": \"t\",\n"
          + "  \"hypervisor\": {\"paging\": \"ept\", \"faultDesign\": \"prepopulated\"},\n"
          + "  \"vms\": [{\"memory\": \"64GiB\", \"workload\": {\"type\": \"random-access\","
          + " \"accesses\": 1000}}],\n"
          + "  \"stop\": {\"after\": \"1ms\"}\n"
          + "}\n";

  private static List<RunPlan> plans(String... sets) throws Exception {
    return new ScenarioLoader().load("t.json", TEXT, List.of(sets), List.of());
  }

  @Test
  void guestTablesAndAPrepopulatedEptAreCounted() throws Exception {
    assertEquals(2L * 32_768 * 4_112, HeapEstimate.tableBytes(plans().get(0).scenario()));
  }

  @Test
  void anOnDemandEptStartsEmptyAndLargePagesNeedFewerTables() throws Exception {
    assertEquals(
        32_768L * 4_112,
        HeapEstimate.tableBytes(plans("/hypervisor/faultDesign=\"mmu-lock\"").get(0).scenario()));
    // 2 MiB guest pages and host pages: 32,768 leaf entries each, 64 level-2 tables each.
    assertEquals(
        2L * 64 * 4_112,
        HeapEstimate.tableBytes(
            plans("/vms/0/guestPageSize=\"2MiB\"", "/vms/0/hostPageSize=\"2MiB\"")
                .get(0)
                .scenario()));
  }

  @Test
  void aRunBeyondTheHeapIsRefusedWithTheHeapToAskFor() throws Exception {
    List<RunPlan> huge = plans("/vms/0/memory=\"4TiB\"");
    String refusal = HeapEstimate.refusal(huge, 1, 4L << 30);
    assertTrue(
        refusal.startsWith(
            "vsim: configuration \"base\" needs at least 16.1 GiB of heap for the page tables"),
        refusal);
    assertTrue(refusal.endsWith("VSIM_JAVA_OPTS=\"-Xmx25g -XX:+UseParallelGC\""), refusal);
    assertNull(HeapEstimate.refusal(plans(), 1, 4L << 30));
  }

  @Test
  void configurationsRunTogetherAddUp() throws Exception {
    List<RunPlan> one = plans();
    long each = HeapEstimate.tableBytes(one.get(0).scenario());
    List<RunPlan> three = List.of(one.get(0), one.get(0), one.get(0));
    assertNull(HeapEstimate.refusal(three, 1, each + 1));
    assertTrue(
        HeapEstimate.refusal(three, 2, each + 1).startsWith("vsim: 2 configurations at once"));
  }
}
