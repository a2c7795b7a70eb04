package dev.vsim.scenarios.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every bundled sweep loads, every one of its points binds, and each is also in the jar. */
class BundledSweepsTest {
  private static final Map<String, Integer> POINTS =
      Map.of(
          "stlb-size", 24,
          "page-walk-caches", 10,
          "mmu-lock-scaling", 12,
          "exit-cost", 10,
          "dram-bandwidth", 10);

  @Test
  void everyBundledSweepLoadsWithItsPoints() throws Exception {
    Map<String, Integer> found = new TreeMap<>();
    try (Stream<Path> files = Files.list(Path.of("sweeps"))) {
      for (Path f : (Iterable<Path>) files.sorted()::iterator) {
        SweepFile s = SweepFile.load(f.toString());
        assertEquals(f.getFileName().toString(), s.name() + ".json", "file named as its sweep");
        found.put(s.name(), s.points().size());
        assertTrue(BundledSweeps.read(s.name()).isPresent(), s.name() + " is in the jar");
        // Loaded by name, from the jar, it is the same sweep.
        assertEquals(s.points(), SweepFile.load(s.name()).points());
      }
    }
    assertEquals(new TreeMap<>(POINTS), found);
  }

  @Test
  void theMmuLockSweepKeepsMemoryPerVcpuConstant() throws Exception {
    SweepFile s = SweepFile.load("mmu-lock-scaling");
    SweepPoint last = s.points().get(s.points().size() - 1);
    assertEquals(java.util.List.of("128", "tdp-mmu"), last.axisValues());
    assertTrue(last.resolvedScenarioJson().contains("\"vcpus\" : 128"));
    assertTrue(last.resolvedScenarioJson().contains("\"memory\" : \"32GiB\""), "256 MiB each");
  }
}
