package dev.vsim.cpu.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatGroupTest {
  @Test
  void flattensTheTreeToSortedDottedNames() {
    StatGroup root = new StatGroup("");
    StatGroup vcpu = root.group("vm0").group("vcpu3");
    Counter cpuid = vcpu.group("exits").group("cpuid").counter("count", Unit.COUNT, "CPUID exits");
    Counter misses = vcpu.group("tlb").group("stlb").counter("misses", Unit.COUNT, "STLB misses");
    cpuid.add(5);
    misses.increment();
    vcpu.formula(
        "ratio", Unit.RATIO, "Misses per exit", () -> (double) misses.value() / cpuid.value());

    var snap = root.snapshot();
    assertEquals(
        List.of("vm0.vcpu3.exits.cpuid.count", "vm0.vcpu3.ratio", "vm0.vcpu3.tlb.stlb.misses"),
        List.copyOf(snap.keySet()));
    assertEquals(5L, snap.get("vm0.vcpu3.exits.cpuid.count"));
    assertEquals(0.2, snap.get("vm0.vcpu3.ratio"));
  }

  @Test
  void namedRootPrefixesEveryStatistic() {
    StatGroup vm = new StatGroup("vm1");
    vm.gauge("vcpus", Unit.COUNT, "vCPUs", () -> 4);
    assertEquals(4L, vm.snapshot().get("vm1.vcpus"));
  }

  @Test
  void rejectsDuplicateAndDottedNames() {
    StatGroup g = new StatGroup("g");
    g.counter("a", Unit.COUNT, "a");
    assertThrows(IllegalStateException.class, () -> g.counter("a", Unit.COUNT, "a"));
    assertThrows(IllegalArgumentException.class, () -> g.counter("a.b", Unit.COUNT, "a"));
    assertThrows(IllegalArgumentException.class, () -> g.group(""));
  }
}
