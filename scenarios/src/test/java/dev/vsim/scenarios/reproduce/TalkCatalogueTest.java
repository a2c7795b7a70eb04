package dev.vsim.scenarios.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.results.Metrics;
import dev.vsim.results.RunResult;
import dev.vsim.results.Table;
import dev.vsim.scenarios.reproduce.TalkCatalogue.Check;
import dev.vsim.scenarios.reproduce.TalkCatalogue.Figure;
import dev.vsim.scenarios.reproduce.TalkCatalogue.Talk;
import dev.vsim.scenarios.run.BundledScenarios;
import dev.vsim.scenarios.run.RunPlan;
import dev.vsim.scenarios.run.ScenarioLoader;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TalkCatalogueTest {
  private final TalkCatalogue catalogue = TalkCatalogue.load();

  private List<String> ids(List<String> names) {
    return catalogue.select(names).stream().map(Talk::id).toList();
  }

  @Test
  void theFourTalksAreSelectedByIdSlugOrAliasInAnyCaseInTheCataloguesOrder() {
    assertEquals(List.of("000", "001", "002", "003"), ids(List.of()));
    assertEquals(List.of("003"), ids(List.of("003")));
    assertEquals(List.of("003"), ids(List.of("Parallel-Memory-Virtualization")));
    assertEquals(List.of("001", "002"), ids(List.of("large-pages", "scalable-kvm", "001")));
    assertEquals(List.of("001"), ids(List.of("SEED001")));
  }

  @Test
  void anUnknownTalkIsAnsweredWithTheClosestNamesAndTheKnownOnes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> catalogue.select(List.of("scalable-kv")));
    assertTrue(
        e.getMessage().startsWith("unknown talk \"scalable-kv\"; did you mean scalable-kvm?"),
        e.getMessage());
    assertTrue(e.getMessage().contains("003 (parallel-memory-virtualization)"), e.getMessage());
    String far =
        assertThrows(IllegalArgumentException.class, () -> catalogue.select(List.of("quantum")))
            .getMessage();
    assertFalse(far.contains("did you mean"), far);
    assertTrue(far.contains("000 (hyperv-enlightenments)"), far);
  }

  @Test
  void everyFigureComesFromABundledScenarioWithAReducedSizeThatLoads() throws Exception {
    Set<String> bundled = new HashSet<>();
    BundledScenarios.list().forEach(e -> bundled.add(e.fileName().replace(".json", "")));
    ScenarioLoader loader = new ScenarioLoader();
    Reproducer quick = new Reproducer(catalogue, true, 1);
    for (String s : Reproducer.scenarios(catalogue.talks())) {
      assertTrue(bundled.contains(s), s + " is bundled");
      assertFalse(catalogue.quickSets(s).isEmpty(), s + " has a reduced size");
      List<RunPlan> full = loader.load(s, List.of(), List.of());
      List<RunPlan> reduced = quick.plans(loader, s);
      assertEquals(
          full.stream().map(RunPlan::variant).toList(),
          reduced.stream().map(RunPlan::variant).toList(),
          s + ": every configuration, in the scenario's order");
    }
    for (Talk t : catalogue.talks()) {
      assertTrue(t.figures().size() + t.notBundled().size() > 0, t.id());
    }
  }

  @Test
  void quickSetsAreExpandedForEachVmAndGroupedIntoOneCommandPerSize() throws Exception {
    Reproducer quick = new Reproducer(catalogue, true, 1);
    List<String> commands =
        quick.commands(
            new ScenarioLoader().load("tlb-shootdown", List.of(), List.of()), "tlb-shootdown");
    // base and 1vm-pv have one VM, 2vm and 2vm-pv two, 3vm, 3vm-pv and 3vm-sched-yield three.
    assertEquals(3, commands.size(), String.join("\n", commands));
    assertTrue(
        commands.get(0).startsWith("./vsim run tlb-shootdown --variant base --variant 1vm-pv"));
    assertTrue(commands.get(2).contains("--set /vms/2/vcpus=8"), commands.get(2));
    assertFalse(commands.get(0).contains("/vms/1/"), commands.get(0));
    assertEquals(
        List.of("./vsim run tlb-shootdown"),
        new Reproducer(catalogue, false, 1)
            .commands(
                new ScenarioLoader().load("tlb-shootdown", List.of(), List.of()), "tlb-shootdown"));
  }

  @Test
  void checkValuesReadTableCellsMetricsNumbersAndRatios() {
    RunResult r = new RunResult("s", "s.json", 1);
    r.configuration("base", new Metrics().putAll(java.util.Map.of("vm0.x", 6L)), false);
    Table idle = new Table("idle", List.of("configuration", "vm", "cpu_percent"));
    idle.row("base", "busy", 400.0).row("base", "idle", 13.5).row("mwait", "idle", 2.0);
    r.table(idle);
    CheckValues v = new CheckValues(r);
    assertEquals(13.5, v.value("idle[base/idle].cpu_percent"));
    assertEquals(400.0, v.value("idle[base].cpu_percent"), "the first row of the configuration");
    assertEquals(6.0, v.value("metrics[base].vm0.x"));
    assertEquals(3.0, v.value("metrics[base].vm0.x / idle[mwait/idle].cpu_percent"));
    assertEquals(0.0, v.value("0"));
    assertTrue(Double.isNaN(v.value("idle[hlt/idle].cpu_percent")), "no such row");
    assertTrue(Double.isNaN(v.value("idle[base].core_c6")), "no such column");
    assertTrue(Double.isNaN(v.value("metrics[base].vm0.y")), "no such metric");
    assertThrows(IllegalArgumentException.class, () -> v.value("idle.cpu_percent"));
  }

  @Test
  void everyCheckOfTheCatalogueIsWellFormed() {
    CheckValues empty = new CheckValues(new RunResult("s", "s.json", 1));
    for (Talk t : catalogue.talks()) {
      for (Figure f : t.figures()) {
        for (Check c : f.checks()) {
          // Parsed (a malformed value throws); against an empty run every reference is NaN.
          assertTrue(Double.isNaN(empty.value(c.value())), c.value());
          String other = c.below() != null ? c.below() : c.above();
          if (other != null) {
            empty.value(other);
          }
          assertFalse(c.source().isEmpty(), c.quantity() + " names its source");
          if (c.isBand()) {
            assertTrue(c.low() <= c.high(), c.quantity());
          }
        }
      }
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> new Check("q", null, "a[b].c", 1.0, 2.0, "x[y].z", null, null, null),
        "a band and an ordering at once");
  }
}
