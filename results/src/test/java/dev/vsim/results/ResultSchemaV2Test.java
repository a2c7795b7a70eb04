package dev.vsim.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** result.json, schema version 2: units, descriptions and distributions beside the metrics. */
class ResultSchemaV2Test {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path tmp;

  private static Histogram latencies(long seed, int n) {
    Histogram h = new Histogram(3);
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      h.recordValue(1000 + (long) (r.nextDouble() * r.nextDouble() * 250_000));
    }
    return h;
  }

  private static RunResult result() {
    RunResult r = new RunResult("demo", "demo.json", 7);
    Metrics base =
        new Metrics()
            .put("sim.cycles", 1234L)
            .describe("sim.cycles", "cycles", "Simulated time")
            .put("vm0.ratio", 0.25)
            .describe("vm0.ratio", "ratio", "A share")
            .put("vm0.legacy", 3L)
            .distribution(
                "vm0.kvm.ept_faults.cycles",
                new Metrics.Distribution("cycles", "Cycles per fault", latencies(1, 5000)))
            .distribution(
                "vm0.kvm.mmu_lock.wait_cycles",
                new Metrics.Distribution("cycles", "Waits", new Histogram(3)));
    r.configuration("base", base, false);
    Metrics v =
        new Metrics()
            .put("sim.cycles", 99L)
            .describe("sim.cycles", "cycles", "Simulated time")
            .distribution(
                "vm0.kvm.ept_faults.cycles",
                new Metrics.Distribution("cycles", "Cycles per fault", latencies(2, 300)));
    r.configuration("tdp/2m", v, false);
    r.summary("# demo\n");
    return r;
  }

  private static List<JsonNode> configurations(JsonNode root) {
    List<JsonNode> out = new ArrayList<>(List.of(root));
    root.path("variants").forEach(out::add);
    return out;
  }

  @Test
  void everyMetricHasAUnitAndADescriptionAndValuesStayWhereTheyWere() throws IOException {
    JsonNode root = MAPPER.readTree(ResultWriter.resultJson(result()));
    assertEquals(2, root.path("schemaVersion").asInt());
    assertEquals(1234, root.path("metrics").path("sim.cycles").asLong());
    assertEquals(
        99, root.path("variants").path("tdp/2m").path("metrics").path("sim.cycles").asLong());
    for (JsonNode c : configurations(root)) {
      JsonNode metrics = c.path("metrics");
      List<String> names = new ArrayList<>();
      metrics.fieldNames().forEachRemaining(names::add);
      List<String> units = new ArrayList<>();
      c.path("units").fieldNames().forEachRemaining(units::add);
      List<String> descriptions = new ArrayList<>();
      c.path("descriptions").fieldNames().forEachRemaining(descriptions::add);
      assertEquals(names, units, "one unit per metric, in the same order");
      assertEquals(names, descriptions, "one description per metric, in the same order");
      for (String n : names) {
        assertTrue(c.path("units").path(n).isTextual(), n);
        assertTrue(c.path("descriptions").path(n).isTextual(), n);
      }
      assertTrue(c.path("distributions").isObject());
    }
    assertEquals("cycles", root.path("units").path("sim.cycles").asText());
    assertEquals("Simulated time", root.path("descriptions").path("sim.cycles").asText());
    assertEquals("unknown", root.path("units").path("vm0.legacy").asText());
    assertEquals("", root.path("descriptions").path("vm0.legacy").asText());
  }

  @Test
  void eachDistributionIsAHistogramFileThatReadsBackTheSame() throws IOException {
    RunResult r = result();
    Path dir = tmp.resolve("run");
    new ResultWriter().write(dir, r, "{}\n", Map.of());
    JsonNode root = MAPPER.readTree(dir.resolve(ResultWriter.RESULT_JSON).toFile());
    int files = 0;
    for (Map.Entry<String, Metrics> c : r.configurations().entrySet()) {
      JsonNode json =
          c.getKey().equals(RunResult.BASE) ? root : root.path("variants").path(c.getKey());
      for (Map.Entry<String, Metrics.Distribution> e : c.getValue().distributions().entrySet()) {
        Histogram want = e.getValue().histogram();
        JsonNode d = json.path("distributions").path(e.getKey());
        assertEquals("cycles", d.path("unit").asText());
        assertEquals(e.getValue().description(), d.path("description").asText());
        assertEquals(want.getTotalCount(), d.path("count").asLong());
        assertEquals(want.getValueAtPercentile(99), d.path("p99").asLong());
        assertEquals(want.getValueAtPercentile(99.9), d.path("p99.9").asLong());
        assertEquals(want.getMaxValue(), d.path("max").asLong());
        String rel = d.path("file").asText();
        assertTrue(rel.startsWith("histograms/"), rel);
        assertTrue(rel.endsWith(".hlog"), rel);
        Path file = dir.resolve(rel);
        assertTrue(Files.isRegularFile(file), rel);
        assertEquals(dir.resolve("histograms"), file.getParent().getParent(), "no escaping");
        Histogram got;
        try (InputStream in = Files.newInputStream(file)) {
          HistogramLogReader reader = new HistogramLogReader(in);
          EncodableHistogram h = reader.nextIntervalHistogram();
          assertNotNull(h, rel);
          got = (Histogram) h;
          assertEquals(null, reader.nextIntervalHistogram(), "one histogram per file");
        }
        assertEquals(e.getKey(), got.getTag());
        assertEquals(want.getTotalCount(), got.getTotalCount(), rel);
        for (double p : new double[] {0, 50, 90, 99, 99.9, 100}) {
          assertEquals(want.getValueAtPercentile(p), got.getValueAtPercentile(p), rel + " p" + p);
        }
        assertEquals(want.getMean(), got.getMean(), 1e-9, rel);
        files++;
      }
    }
    assertEquals(3, files);
    // The variant's name is made safe for a directory name.
    assertTrue(
        Files.isRegularFile(dir.resolve("histograms/tdp_2m/vm0.kvm.ept_faults.cycles.hlog")));
    Iterator<String> it = root.path("distributions").fieldNames();
    assertEquals("vm0.kvm.ept_faults.cycles", it.next());
    assertEquals("vm0.kvm.mmu_lock.wait_cycles", it.next());
  }

  @Test
  void aFailureWhileWritingHistogramsLeavesNothingBehind() throws IOException {
    Path dir = tmp.resolve("run");
    ResultWriter failing =
        new ResultWriter(
            f -> {
              if (f.getFileName().toString().endsWith(".hlog")) {
                throw new IOException("disk full");
              }
            });
    try {
      failing.write(dir, result(), "{}", Map.of());
    } catch (IOException expected) {
      assertEquals("disk full", expected.getMessage());
    }
    assertTrue(!Files.exists(dir));
    try (var s = Files.list(tmp)) {
      assertEquals(List.of(), s.toList(), "the partial directory is removed");
    }
  }
}
