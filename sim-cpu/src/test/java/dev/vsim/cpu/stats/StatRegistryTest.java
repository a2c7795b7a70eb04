package dev.vsim.cpu.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The statistics registry: units and descriptions, unique names, the typed snapshot. */
class StatRegistryTest {
  @Test
  void everyRegistrationNeedsAUnitAndADescription() {
    StatGroup g = new StatGroup("g");
    assertThrows(IllegalArgumentException.class, () -> g.counter("a", null, "things"));
    assertThrows(IllegalArgumentException.class, () -> g.counter("a", Unit.COUNT, null));
    assertThrows(IllegalArgumentException.class, () -> g.counter("a", Unit.COUNT, ""));
    assertThrows(IllegalArgumentException.class, () -> g.counter("a", Unit.COUNT, "  "));
    assertThrows(IllegalArgumentException.class, () -> g.counter("a", Unit.COUNT, "two\nlines"));
    assertThrows(IllegalArgumentException.class, () -> g.gauge("b", null, "x", () -> 1));
    assertThrows(IllegalArgumentException.class, () -> g.gauge("b", Unit.BYTES, "", () -> 1));
    assertThrows(IllegalArgumentException.class, () -> g.formula("c", null, "x", () -> 1.0));
    assertThrows(IllegalArgumentException.class, () -> g.formula("c", Unit.RATIO, " ", () -> 1));
    assertThrows(IllegalArgumentException.class, () -> g.distribution("d", null, "x"));
    assertThrows(IllegalArgumentException.class, () -> g.distribution("d", Unit.CYCLES, ""));
    assertThrows(IllegalArgumentException.class, () -> g.distribution("d", Unit.CYCLES, "x", null));
    // Nothing of the failed registrations was kept: the names are still free.
    g.counter("a", Unit.COUNT, "things");
    g.gauge("b", Unit.BYTES, "bytes", () -> 1);
    g.formula("c", Unit.RATIO, "a ratio", () -> 1.0);
    g.distribution("d", Unit.CYCLES, "latencies");
    assertEquals(4, g.stats().stats().size());
  }

  @Test
  void namesAreUniqueInAGroupWhateverTheKind() {
    StatGroup g = new StatGroup("g");
    g.counter("a", Unit.COUNT, "things");
    assertThrows(IllegalStateException.class, () -> g.counter("a", Unit.COUNT, "again"));
    assertThrows(IllegalStateException.class, () -> g.gauge("a", Unit.COUNT, "x", () -> 1));
    assertThrows(IllegalStateException.class, () -> g.formula("a", Unit.RATIO, "x", () -> 1));
    assertThrows(IllegalStateException.class, () -> g.distribution("a", Unit.CYCLES, "x"));
    assertThrows(IllegalArgumentException.class, () -> g.counter("a.b", Unit.COUNT, "x"));
    assertThrows(IllegalArgumentException.class, () -> g.counter("", Unit.COUNT, "x"));
    // The same name in another group is another statistic.
    g.group("h").counter("a", Unit.COUNT, "things");
    assertEquals(List.of("g.a", "g.h.a"), List.copyOf(g.snapshot().keySet()));
  }

  @Test
  void theTypedSnapshotHasTheFlatValuesWithTheirUnitsAndDescriptions() {
    StatGroup root = new StatGroup("");
    StatGroup vcpu = root.group("vm0").group("vcpu3");
    Counter misses = vcpu.group("stlb").counter("misses", Unit.COUNT, "STLB lookups that missed");
    Counter cycles = vcpu.counter("cycles", Unit.CYCLES, "Cycles of the walks");
    long[] bytes = {4096};
    vcpu.gauge("table_bytes", Unit.BYTES, "Page-table memory", () -> bytes[0]);
    vcpu.formula(
        "cycles_per_miss",
        Unit.CYCLES.per("miss"),
        "Mean walk cycles",
        () -> (double) cycles.value() / misses.value());
    Histogram lat = vcpu.distribution("latency", Unit.CYCLES, "Cycles of each walk");
    misses.add(4);
    cycles.add(10);
    lat.recordValue(3);
    lat.recordValue(7);

    TreeMap<String, Number> flat = root.snapshot();
    StatSnapshot typed = root.stats();
    assertEquals(flat, typed.values(), "the flat snapshot is the typed one's values");
    assertEquals(
        List.of(
            "vm0.vcpu3.cycles",
            "vm0.vcpu3.cycles_per_miss",
            "vm0.vcpu3.latency",
            "vm0.vcpu3.stlb.misses",
            "vm0.vcpu3.table_bytes"),
        typed.stats().stream().map(Stat::name).toList(),
        "sorted by dotted name");
    assertEquals(4, flat.size(), "distributions are not single values");
    for (Stat s : typed.scalars()) {
      assertEquals(flat.get(s.name()), s.value(), s.name());
      assertEquals(flat.get(s.name()).getClass(), s.value().getClass(), s.name());
      assertNull(s.histogram());
    }
    Stat m = typed.get("vm0.vcpu3.stlb.misses").orElseThrow();
    assertEquals(Stat.Kind.COUNTER, m.kind());
    assertEquals(Unit.COUNT, m.unit());
    assertEquals("STLB lookups that missed", m.description());
    assertEquals(4L, m.value());
    assertEquals(
        "cycles/miss", typed.get("vm0.vcpu3.cycles_per_miss").orElseThrow().unit().symbol());
    assertEquals(2.5, flat.get("vm0.vcpu3.cycles_per_miss"));
    assertEquals(Stat.Kind.GAUGE, typed.get("vm0.vcpu3.table_bytes").orElseThrow().kind());

    Stat d = typed.get("vm0.vcpu3.latency").orElseThrow();
    assertEquals(Stat.Kind.DISTRIBUTION, d.kind());
    assertEquals(List.of(d), typed.distributions());
    assertEquals(2L, d.value(), "a distribution's value is its number of samples");
    assertEquals(2, d.histogram().getTotalCount());
    assertEquals(7, d.histogram().getMaxValue());
    assertNotSame(lat, d.histogram(), "the snapshot keeps a copy");
    lat.recordValue(100);
    assertEquals(2, d.histogram().getTotalCount(), "later samples do not change a snapshot");
  }

  @Test
  void aDistributionCanBeTheComponentsOwnHistogram() {
    StatGroup g = new StatGroup("lock");
    Histogram own = new Histogram(3);
    assertSame(own, g.distribution("wait_cycles", Unit.CYCLES, "Waits for the lock", own));
    own.recordValue(42);
    Histogram copy = g.stats().get("lock.wait_cycles").orElseThrow().histogram();
    assertEquals(42, copy.getValueAtPercentile(50), 42 * 0.001);
  }

  @Test
  @SuppressWarnings("deprecation")
  void theNameOnlyOverloadsRegisterAnUnknownUnitAndNoDescription() {
    StatGroup g = new StatGroup("old");
    g.counter("a").add(2);
    g.gauge("b", () -> 3);
    g.formula("c", () -> 0.5);
    StatSnapshot s = g.stats();
    for (Stat st : s.stats()) {
      assertEquals(Unit.UNKNOWN, st.unit(), st.name());
      assertEquals("", st.description(), st.name());
    }
    assertEquals(g.snapshot(), s.values());
  }

  @Test
  void unitsAreSymbolsAndRates() {
    assertEquals("count/s", Unit.PER_SECOND.symbol());
    assertEquals(Unit.PER_SECOND, Unit.COUNT.per(Unit.SECONDS));
    assertEquals("bytes/GiB", Unit.BYTES.per("GiB").symbol());
    assertEquals("cycles/access", Unit.CYCLES.per("access").toString());
    assertThrows(IllegalArgumentException.class, () -> new Unit(""));
    assertThrows(IllegalArgumentException.class, () -> new Unit("two words"));
    assertThrows(IllegalArgumentException.class, () -> Unit.CYCLES.per("an access"));
    assertTrue(Unit.UNKNOWN.symbol().equals("unknown"));
  }
}
