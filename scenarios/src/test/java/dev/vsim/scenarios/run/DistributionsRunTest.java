package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vsim.results.ResultWriter;
import dev.vsim.results.RunResult;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's distributions reach its results: the EPT fault latencies and the MMU lock's waits of the
 * ept-fault-designs scenario (scaled down) are written as histogram logs that read back with the
 * count and percentiles of the gauges kept beside them.
 */
class DistributionsRunTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void eptFaultLatenciesAreWrittenAsAHistogramMatchingTheirGauges() throws Exception {
    String file = "ept-fault-designs.json";
    ScenarioLoader loader = new ScenarioLoader();
    List<RunPlan> plans =
        loader.load(
            file,
            BundledScenarios.read("ept-fault-designs").orElseThrow(),
            List.of("/vms/0/vcpus=2", "/vms/0/memory=32MiB"),
            List.of("tdp-mmu-4k"));
    RunResult result =
        new Runner(loader.json()).simulate(file, plans, Simulation.Options.DEFAULT, (c, f) -> {});
    assertFalse(result.wasCutOff("tdp-mmu-4k"));
    Path dir = tmp.resolve("run");
    new ResultWriter().write(dir, result, "{}\n", Map.of());
    JsonNode config =
        MAPPER
            .readTree(dir.resolve(ResultWriter.RESULT_JSON).toFile())
            .path("variants")
            .path("tdp-mmu-4k");
    JsonNode metrics = config.path("metrics");

    JsonNode faults = config.path("distributions").path("vm0.kvm.ept_faults.cycles");
    assertEquals("cycles", faults.path("unit").asText());
    assertFalse(faults.path("description").asText().isBlank());
    Histogram h = read(dir.resolve(faults.path("file").asText()));
    assertEquals("vm0.kvm.ept_faults.cycles", h.getTag());
    assertTrue(h.getTotalCount() >= 4096, "every first touch faulted: " + h.getTotalCount());
    assertEquals(faults.path("count").asLong(), h.getTotalCount());
    assertEquals(
        metrics.path("vm0.kvm.ept_faults.cycles_p50").asLong(), h.getValueAtPercentile(50));
    assertEquals(
        metrics.path("vm0.kvm.ept_faults.cycles_p99").asLong(), h.getValueAtPercentile(99));
    assertEquals(metrics.path("vm0.kvm.ept_faults.cycles_max").asLong(), h.getMaxValue());
    assertEquals(metrics.path("vm0.kvm.ept_faults.cycles_mean").asDouble(), h.getMean(), 1e-9);

    String lock = "vm0.kvm.mmu_lock.";
    JsonNode waits = config.path("distributions").path(lock + "wait_cycles");
    assertTrue(waits.isObject(), "the MMU lock's waits are a distribution");
    Histogram w = read(dir.resolve(waits.path("file").asText()));
    assertTrue(w.getTotalCount() <= metrics.path(lock + "acquisitions").asLong());
    assertEquals(
        metrics.path(lock + "wait_cycles_total").asLong(),
        (long) (w.getMean() * w.getTotalCount()));
    assertEquals(metrics.path(lock + "wait_cycles_p90").asLong(), w.getValueAtPercentile(90));
    assertEquals(metrics.path(lock + "wait_cycles_max").asLong(), w.getMaxValue());
    assertTrue(config.path("distributions").path(lock + "write_hold_cycles").isObject());
  }

  private static Histogram read(Path file) throws Exception {
    assertTrue(Files.isRegularFile(file), file.toString());
    try (InputStream in = Files.newInputStream(file)) {
      return (Histogram) new HistogramLogReader(in).nextIntervalHistogram();
    }
  }
}
