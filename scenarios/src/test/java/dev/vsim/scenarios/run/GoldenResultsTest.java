package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vsim.results.ResultWriter;
import dev.vsim.results.RunResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden results, as gem5's regression suite keeps reference statistics: every configuration (the
 * base and each variant) of every bundled scenario is run at a reduced size, its result.json is
 * produced by the code path of {@code vsim run} ({@link Runner#simulate} and {@link
 * ResultWriter#resultJson}, so it is byte for byte what {@code vsim run NAME.json --variant V --set
 * ...} writes; run-info.json, the only file with times and versions, is not part of it), and the
 * SHA-256 of those bytes is compared with the one in {@code src/test/resources/golden/NAME.json}.
 * The golden file also keeps every metric, so a mismatch names exactly the metrics that changed,
 * appeared or disappeared.
 *
 * <p>Results are deterministic (same scenario and seed, same bytes), so the comparison is exact.
 * After an intended change of results, update the goldens with {@code ./golden} (which runs this
 * test with {@code -Dvsim.golden.update=true}); it prints what changed for each configuration.
 */
class GoldenResultsTest {
  /** The system property that makes this test rewrite the goldens instead of checking them. */
  static final String UPDATE_PROPERTY = "vsim.golden.update";

  private static final String UPDATE_COMMAND = "./golden";

  private static final Path GOLDEN_DIR =
      Path.of(System.getProperty("basedir", ""))
          .toAbsolutePath()
          .resolve("src/test/resources/golden");

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** How a scenario is scaled down: the {@code --set}s of one configuration, given it unscaled. */
  interface Scaling {
    List<String> sets(RunPlan unscaled);
  }

  /**
   * Per bundled scenario, the reduced size. Each keeps its mechanism at work (faults on every first
   * touch, shootdowns and overcommit, IPIs across clusters, idle vCPUs, harvests of the dirty log)
   * while the whole test takes a few seconds.
   */
  static final Map<String, Scaling> SCALING =
      Map.ofEntries(
          Map.entry("vmexit", (Scaling) p -> List.of("/vms/0/workload/iterations=300")),
          Map.entry(
              "large-pages",
              // A 512 MiB guest over a 1 MiB LLC: its 1 MiB of 4 KiB-page PTEs (in either
              // dimension) cannot stay cached, while the upper levels and 2 MiB-page tables can.
              (Scaling)
                  p ->
                      List.of(
                          "/vms/0/memory=512MiB",
                          "/vms/0/workload/accesses=4000",
                          "/vms/0/workload/warmup=1000",
                          "/host/overrides/caches/l2/size=256KiB",
                          "/host/overrides/caches/llc/size=1MiB",
                          "/host/overrides/caches/llc/ways=16")),
          Map.entry(
              "tlb-what-if",
              (Scaling)
                  p -> List.of("/vms/0/workload/accesses=4000", "/vms/0/workload/warmup=1000")),
          Map.entry(
              "ept-fault-designs",
              // 2 vCPUs x 16 MiB: 4,096 EPT violations each (8 with 2 MiB pages), the MMU lock
              // shared.
              (Scaling) p -> List.of("/vms/0/vcpus=2", "/vms/0/memory=32MiB")),
          Map.entry(
              "dirty-logging",
              // 2 vCPUs x 16 MiB, harvested every 1 ms so that several harvests happen.
              (Scaling)
                  p -> {
                    List<String> sets =
                        new ArrayList<>(List.of("/vms/0/vcpus=2", "/vms/0/memory=32MiB"));
                    if (p.scenario().hypervisor().dirtyLogging() != null) {
                      sets.add("/hypervisor/dirtyLogging/harvestEvery=1ms");
                    }
                    return sets;
                  }),
          Map.entry(
              "ipi-bench",
              // 20 vCPUs: the 19 destinations span two x2APIC clusters.
              (Scaling) p -> List.of("/vms/0/vcpus=20", "/vms/0/workload/iterations=20")),
          Map.entry("tlb-shootdown", (Scaling) p -> shootdown(p.scenario().vms().size(), "60ms")),
          Map.entry("ebizzy", (Scaling) p -> shootdown(p.scenario().vms().size(), "60ms")),
          Map.entry(
              "idle-exits",
              (Scaling)
                  p -> List.of("/vms/0/workload/duration=20ms", "/vms/1/workload/duration=20ms")),
          Map.entry(
              "dirty-log-perf",
              // 8 MiB per vCPU: 2,048 pages, 4 huge pages of 2 MiB (one 1 GiB page holds them all).
              (Scaling)
                  p -> {
                    var vm = p.scenario().vms().get(0);
                    long memory = vm.backing().equals("hugetlb-1g") ? 1024 : 8L * vm.vcpus();
                    return List.of(
                        "/vms/0/workload/bytesPerVcpu=8MiB", "/vms/0/memory=" + memory + "MiB");
                  }),
          Map.entry(
              "demand-paging",
              // 4 MiB per vCPU: 1,024 pages, two huge pages of 2 MiB.
              (Scaling)
                  p ->
                      List.of(
                          "/vms/0/workload/bytesPerVcpu=4MiB",
                          "/vms/0/memory=" + 4L * p.scenario().vms().get(0).vcpus() + "MiB")));

  /** 4-vCPU VMs on a host of 2 cores x 2 threads: 2 and 3 VMs overcommit it. */
  private static List<String> shootdown(int vms, String duration) {
    List<String> sets = CheckedRuns.oneSocket(2);
    CheckedRuns.eachVm(sets, vms, 4, duration);
    return sets;
  }

  /** One configuration as run now, or as the golden file has it. */
  private record Golden(List<String> sets, String sha256, TreeMap<String, JsonNode> metrics) {}

  @TestFactory
  Stream<DynamicTest> everyConfigurationOfEveryBundledScenarioGivesItsGoldenResult() {
    return scenarios().stream()
        .map(name -> DynamicTest.dynamicTest(name, () -> checkOrUpdate(name)));
  }

  @Test
  void everyGoldenFileBelongsToABundledScenarioAndEveryScenarioIsScaled() throws IOException {
    TreeSet<String> goldens = new TreeSet<>();
    if (Files.isDirectory(GOLDEN_DIR)) {
      try (Stream<Path> s = Files.list(GOLDEN_DIR)) {
        s.map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(".json"))
            .forEach(n -> goldens.add(n.substring(0, n.length() - ".json".length())));
      }
    }
    if (update()) {
      for (String stale : goldens) {
        if (!scenarios().contains(stale)) {
          Files.delete(GOLDEN_DIR.resolve(stale + ".json"));
          System.out.println("golden " + stale + ": deleted, no such bundled scenario");
        }
      }
    } else {
      assertEquals(
          new TreeSet<>(scenarios()),
          goldens,
          "one golden file per bundled scenario under "
              + GOLDEN_DIR
              + "; create missing ones with "
              + UPDATE_COMMAND
              + " and delete those of removed scenarios");
    }
    assertEquals(
        new TreeSet<>(scenarios()),
        new TreeSet<>(SCALING.keySet()),
        "every bundled scenario needs its reduced size in GoldenResultsTest.SCALING");
  }

  private static List<String> scenarios() {
    return BundledScenarios.list().stream()
        .map(e -> e.fileName().substring(0, e.fileName().length() - ".json".length()))
        .toList();
  }

  private static boolean update() {
    return Boolean.getBoolean(UPDATE_PROPERTY);
  }

  private static void checkOrUpdate(String scenario) throws Exception {
    Scaling scaling = SCALING.get(scenario);
    if (scaling == null) {
      fail(
          scenario
              + " is bundled but has no reduced size: add it to GoldenResultsTest.SCALING, then run "
              + UPDATE_COMMAND);
    }
    long start = System.nanoTime();
    TreeMap<String, Golden> now = runAll(scenario, scaling);
    double seconds = (System.nanoTime() - start) / 1e9;
    Path file = GOLDEN_DIR.resolve(scenario + ".json");
    TreeMap<String, Golden> before = Files.exists(file) ? read(file) : null;
    if (update()) {
      String text = render(scenario, now);
      Files.createDirectories(GOLDEN_DIR);
      if (!Files.exists(file) || !Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
        Files.writeString(file, text, StandardCharsets.UTF_8);
      }
      List<String> changes =
          before == null ? List.of("  new golden file") : differences(before, now);
      System.out.printf(
          Locale.ROOT,
          "golden %s (%d configurations, %.1f s): %s%n",
          scenario,
          now.size(),
          seconds,
          changes.isEmpty() ? "unchanged" : "updated");
      changes.forEach(System.out::println);
      return;
    }
    if (before == null) {
      fail(
          "no golden result for bundled scenario "
              + scenario
              + " ("
              + file
              + "); run "
              + UPDATE_COMMAND);
    }
    List<String> changes = differences(before, now);
    if (!changes.isEmpty()) {
      fail(
          scenario
              + " no longer gives its golden result ("
              + file
              + "):\n"
              + String.join("\n", changes)
              + "\nIf the change is intended, run "
              + UPDATE_COMMAND
              + " and commit the golden file.");
    }
  }

  /** Runs each configuration on its own, as {@code vsim run NAME --variant V --set ...} would. */
  private static TreeMap<String, Golden> runAll(String scenario, Scaling scaling) throws Exception {
    String file = scenario + ".json";
    String text = BundledScenarios.read(scenario).orElseThrow();
    TreeMap<String, Golden> out = new TreeMap<>();
    for (RunPlan unscaled : new ScenarioLoader().load(file, text, List.of(), List.of())) {
      String variant = unscaled.variant();
      List<String> sets = scaling.sets(unscaled);
      ScenarioLoader loader = new ScenarioLoader();
      List<RunPlan> plans = loader.load(file, text, sets, List.of(variant));
      RunResult result =
          new Runner(loader.json()).simulate(file, plans, Simulation.Options.DEFAULT, (c, f) -> {});
      assertFalse(result.wasCutOff(variant), scenario + " " + variant + " did not finish");
      String json = ResultWriter.resultJson(result);
      JsonNode root = MAPPER.readTree(json);
      JsonNode config = plans.get(0).isBase() ? root : root.get("variants").get(variant);
      JsonNode metrics = config.get("metrics");
      checkUnitsAndDescriptions(scenario + " " + variant, config);
      out.put(variant, new Golden(List.copyOf(sets), sha256(json), sorted(metrics)));
    }
    return out;
  }

  /**
   * Result schema 2: every metric has a unit and a description beside it, and every statistic was
   * registered with a real unit and a non-empty description.
   */
  private static void checkUnitsAndDescriptions(String what, JsonNode config) {
    JsonNode units = config.get("units");
    JsonNode descriptions = config.get("descriptions");
    List<String> missing = new ArrayList<>();
    Iterator<String> names = config.get("metrics").fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      JsonNode u = units == null ? null : units.get(n);
      JsonNode d = descriptions == null ? null : descriptions.get(n);
      if (u == null || d == null || !u.isTextual() || !d.isTextual()) {
        missing.add(n + " (no unit or description entry)");
      } else if (u.asText().equals("unknown") || d.asText().isBlank()) {
        missing.add(n + " (registered without a unit or description)");
      }
    }
    assertEquals(List.of(), missing, what + ": metrics without unit or description");
    assertEquals(
        config.get("metrics").size(), units.size(), what + ": a unit for each metric, no more");
    assertEquals(
        config.get("metrics").size(),
        descriptions.size(),
        what + ": a description for each metric, no more");
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static TreeMap<String, JsonNode> sorted(JsonNode object) {
    TreeMap<String, JsonNode> out = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = object.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), e.getValue());
    }
    return out;
  }

  /**
   * What differs between the golden and the current results, one line each: configurations added or
   * removed, changed {@code --set}s, and for each configuration whose digest changed the metrics
   * that changed (old → new), were added or were removed.
   */
  static List<String> differences(TreeMap<String, Golden> before, TreeMap<String, Golden> now) {
    List<String> out = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(before.keySet());
    names.addAll(now.keySet());
    for (String name : names) {
      Golden old = before.get(name);
      Golden cur = now.get(name);
      if (old == null) {
        out.add("  " + name + ": a new configuration, without a golden result");
        continue;
      }
      if (cur == null) {
        out.add("  " + name + ": in the golden file but no longer run");
        continue;
      }
      List<String> lines = new ArrayList<>();
      TreeSet<String> keys = new TreeSet<>(old.metrics().keySet());
      keys.addAll(cur.metrics().keySet());
      for (String k : keys) {
        JsonNode o = old.metrics().get(k);
        JsonNode c = cur.metrics().get(k);
        if (o == null) {
          lines.add("    added   " + k + " = " + c);
        } else if (c == null) {
          lines.add("    removed " + k + " (was " + o + ")");
        } else if (!o.toString().equals(c.toString())) {
          lines.add("    changed " + k + ": " + o + " -> " + c);
        }
      }
      boolean setsChanged = !old.sets().equals(cur.sets());
      if (old.sha256().equals(cur.sha256()) && lines.isEmpty() && !setsChanged) {
        continue;
      }
      out.add(
          "  "
              + name
              + ": sha256 "
              + abbreviate(old.sha256())
              + " -> "
              + abbreviate(cur.sha256())
              + ", "
              + lines.size()
              + " metric(s) differ");
      if (setsChanged) {
        out.add("    the --sets changed: " + old.sets() + " -> " + cur.sets());
      }
      if (lines.isEmpty() && !old.sha256().equals(cur.sha256())) {
        out.add(
            "    result.json changed outside the metrics (units, descriptions, distributions, published"
                + " comparisons, cutOff, seed or schema)");
      }
      out.addAll(lines);
    }
    return out;
  }

  private static String abbreviate(String sha) {
    return sha.length() > 12 ? sha.substring(0, 12) : sha;
  }

  /**
   * The golden file: sorted keys, two-space indents, "\n" line ends, numbers as result.json has.
   */
  static String render(String scenario, TreeMap<String, Golden> configurations) throws IOException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("scenario", scenario);
    root.put("update", "regenerate with " + UPDATE_COMMAND + " (see README.md, Golden results)");
    ObjectNode configs = root.putObject("configurations");
    for (Map.Entry<String, Golden> e : configurations.entrySet()) {
      ObjectNode c = configs.putObject(e.getKey());
      ArrayNode sets = c.putArray("sets");
      e.getValue().sets().forEach(sets::add);
      c.put("sha256", e.getValue().sha256());
      ObjectNode metrics = c.putObject("metrics");
      e.getValue().metrics().forEach(metrics::set);
    }
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter pp =
        new DefaultPrettyPrinter().withObjectIndenter(indenter).withArrayIndenter(indenter);
    return MAPPER.writer(pp).writeValueAsString(root) + "\n";
  }

  private static TreeMap<String, Golden> read(Path file) throws IOException {
    JsonNode root = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
    TreeMap<String, Golden> out = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : sorted(root.path("configurations")).entrySet()) {
      JsonNode c = e.getValue();
      List<String> sets = new ArrayList<>();
      c.path("sets").forEach(s -> sets.add(s.asText()));
      out.put(
          e.getKey(),
          new Golden(
              sets,
              Objects.requireNonNullElse(c.path("sha256").textValue(), ""),
              sorted(c.path("metrics"))));
    }
    return out;
  }
}
