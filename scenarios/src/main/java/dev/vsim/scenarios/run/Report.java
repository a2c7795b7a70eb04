package dev.vsim.scenarios.run;

import dev.vsim.cpu.stats.Stat;
import dev.vsim.results.BarPlot;
import dev.vsim.results.Metrics;
import dev.vsim.results.PublishedComparison;
import dev.vsim.results.RunResult;
import dev.vsim.results.StatTree;
import dev.vsim.results.Table;
import dev.vsim.scenarios.model.PublishedFigure;
import dev.vsim.scenarios.model.Scenario;
import dev.vsim.scenarios.model.VmSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Builds the result of a run, its tables and its summary, from the simulated configurations. */
final class Report {

  private Report() {}

  /** One simulated configuration. */
  record Configuration(RunPlan plan, Simulation.Outcome outcome) {}

  static RunResult build(String file, List<Configuration> runs) {
    Scenario base = runs.get(0).plan().scenario();
    RunResult r = new RunResult(base.name(), file, base.seed());
    Table exits =
        new Table(
            "exits", List.of("configuration", "vm", "reason", "count", "mean_round_trip_cycles"));
    Table vmexit =
        new Table(
            "vmexit", List.of("configuration", "vm", "test", "vcpus", "min_cycles", "max_cycles"));
    Table translation =
        new Table(
            "translation",
            List.of(
                "configuration",
                "paging",
                "guest_page",
                "host_page",
                "llc_misses_per_access",
                "translation_llc_misses_per_access",
                "walk_references_per_access",
                "translation_cycles_per_access",
                "page_table_bytes_per_gib"));
    Table faults = EptFaultReport.table();
    Table ipis = IpiBenchReport.table();
    Table shootdowns = ShootdownReport.table();
    Table idle = IdleReport.table();
    Table dirtyLogPerf = DirtyLogPerfReport.table();
    Table demandPaging = DemandPagingReport.table();
    for (Configuration c : runs) {
      String name = c.plan().variant();
      Metrics m = metrics(c.outcome());
      addTranslation(translation, c, m);
      EptFaultReport.addRow(faults, c, runs.get(0));
      IpiBenchReport.addRow(ipis, c, runs.get(0));
      ShootdownReport.addRow(shootdowns, c, runs.get(0));
      IdleReport.addRows(idle, c);
      DirtyLogPerfReport.addRows(dirtyLogPerf, c);
      DemandPagingReport.addRows(demandPaging, c);
      r.configuration(name, m, c.outcome().cutOff());
      StatTree tree = StatTree.of(c.outcome().metrics());
      addExits(exits, c, tree);
      addVmexit(vmexit, c, tree);
      for (PublishedFigure f : c.plan().scenario().published()) {
        Number v = m.get(f.metric());
        r.published(
            new PublishedComparison(
                f.quantity(),
                name,
                f.metric(),
                v == null ? Double.NaN : v.doubleValue(),
                f.low(),
                f.high(),
                f.unit(),
                f.source()));
      }
    }
    if (!exits.rows().isEmpty()) {
      r.table(exits);
    }
    if (!vmexit.rows().isEmpty()) {
      r.table(vmexit);
      r.plot(vmexitPlot(vmexit));
    }
    if (!translation.rows().isEmpty()) {
      r.table(translation);
      r.plot(column(translation, 7, "translation_cycles", "cycles per access spent translating"));
      r.plot(column(translation, 4, "llc_misses", "LLC misses per random access"));
    }
    if (!faults.rows().isEmpty()) {
      r.table(faults);
      r.plot(EptFaultReport.finishTimes(faults));
    }
    if (!idle.rows().isEmpty()) {
      r.table(idle);
    }
    if (!demandPaging.rows().isEmpty()) {
      r.table(demandPaging);
    }
    if (!dirtyLogPerf.rows().isEmpty()) {
      r.table(dirtyLogPerf);
    }
    if (!shootdowns.rows().isEmpty()) {
      r.table(shootdowns);
      r.plot(ShootdownReport.cdf(runs));
    }
    if (!ipis.rows().isEmpty()) {
      r.table(ipis);
      r.plot(IpiBenchReport.plot(ipis));
    }
    Table published = publishedTable(r);
    if (!published.rows().isEmpty()) {
      r.table(published);
      r.plot(publishedPlot(r));
    }
    r.summary(summary(base, runs, r));
    return r;
  }

  /**
   * The metrics of a configuration: the values as the flat snapshot has them, each with the unit
   * and description it was registered with, and the distributions.
   */
  static Metrics metrics(Simulation.Outcome o) {
    Metrics m = new Metrics().putAll(o.metrics());
    for (Stat s : o.stats().stats()) {
      if (s.isScalar()) {
        m.describe(s.name(), s.unit().symbol(), s.description());
      } else {
        m.distribution(
            s.name(), new Metrics.Distribution(s.unit().symbol(), s.description(), s.histogram()));
      }
    }
    return m;
  }

  /** A configuration's VMs by the names their statistics go under, in name order. */
  private static TreeMap<String, VmSpec> vmsByName(Configuration c) {
    List<VmSpec> vms = c.plan().scenario().vms();
    TreeMap<String, VmSpec> byName = new TreeMap<>();
    for (int i = 0; i < vms.size(); i++) {
      byName.put(vms.get(i).nameOr(i), vms.get(i));
    }
    return byName;
  }

  /** Each VM's exits per reason, summed over its vCPUs, with the mean round trip. */
  private static void addExits(Table t, Configuration c, StatTree stats) {
    for (Map.Entry<String, VmSpec> vm : vmsByName(c).entrySet()) {
      TreeMap<String, long[]> perReason = new TreeMap<>();
      for (int v = 0; v < vm.getValue().vcpus(); v++) {
        stats
            .at(vm.getKey() + ".vcpu" + v + ".exits")
            .ifPresent(
                exits -> {
                  for (StatTree reason : exits.children()) {
                    long[] acc = perReason.computeIfAbsent(reason.name(), k -> new long[2]);
                    acc[0] += (long) reason.valueAt("count");
                    acc[1] += (long) reason.valueAt("cycles");
                  }
                });
      }
      for (Map.Entry<String, long[]> e : perReason.entrySet()) {
        long[] v = e.getValue();
        t.row(
            c.plan().variant(),
            vm.getKey(),
            e.getKey(),
            v[0],
            v[0] == 0 ? 0.0 : (double) v[1] / v[0]);
      }
    }
  }

  /** Each VM's vmexit loops: per test, the fewest and most cycles an iteration of its vCPUs. */
  private static void addVmexit(Table t, Configuration c, StatTree stats) {
    for (Map.Entry<String, VmSpec> vm : vmsByName(c).entrySet()) {
      TreeMap<String, double[]> perTest = new TreeMap<>();
      for (int v = 0; v < vm.getValue().vcpus(); v++) {
        stats
            .at(vm.getKey() + ".vcpu" + v + ".vmexit")
            .ifPresent(
                loops -> {
                  for (StatTree test : loops.children()) {
                    double x = test.valueAt("cycles_per_iteration");
                    double[] acc =
                        perTest.computeIfAbsent(
                            test.name(),
                            k ->
                                new double[] {
                                  0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY
                                });
                    acc[0]++;
                    acc[1] = Math.min(acc[1], x);
                    acc[2] = Math.max(acc[2], x);
                  }
                });
      }
      for (Map.Entry<String, double[]> e : perTest.entrySet()) {
        double[] v = e.getValue();
        t.row(c.plan().variant(), vm.getKey(), e.getKey(), (long) v[0], v[1], v[2]);
      }
    }
  }

  private static void addTranslation(Table t, Configuration c, Metrics m) {
    var vm = c.plan().scenario().vms().get(0);
    String ra = vm.nameOr(0) + ".vcpu0.random_access.";
    if (m.get(ra + "llc_misses_per_access") == null) {
      return;
    }
    t.row(
        c.plan().variant(),
        c.plan().scenario().hypervisor().paging().id(),
        vm.guestPageSize().toString(),
        vm.hostPageSize().toString(),
        m.get(ra + "llc_misses_per_access").doubleValue(),
        m.get(ra + "translation_llc_misses_per_access").doubleValue(),
        m.get(ra + "walk_references_per_access").doubleValue(),
        m.get(ra + "translation_cycles_per_access").doubleValue(),
        m.get(vm.nameOr(0) + ".page_tables.total_bytes_per_gib").doubleValue());
  }

  /** One bar per configuration for a numeric column of a table whose first column names it. */
  private static BarPlot column(Table t, int col, String name, String yAxis) {
    List<String> configs = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (List<Object> row : t.rows()) {
      configs.add((String) row.get(0));
      values.add(((Number) row.get(col)).doubleValue());
    }
    return new BarPlot(name, yAxis, yAxis, configs).series("simulated", values);
  }

  /** Simulated beside published (the middle of the published range), per comparison. */
  private static BarPlot publishedPlot(RunResult r) {
    List<String> labels = new ArrayList<>();
    List<Double> sim = new ArrayList<>();
    List<Double> pub = new ArrayList<>();
    for (PublishedComparison c : r.publishedComparisons()) {
      if (Double.isNaN(c.simulated())) {
        continue;
      }
      labels.add(
          c.configuration() + (labels.contains(c.configuration()) ? "/" + labels.size() : ""));
      sim.add(c.simulated());
      pub.add((c.low() + c.high()) / 2);
    }
    return new BarPlot("published", "Simulated beside published", "value", labels)
        .series("simulated", sim)
        .series("published (middle of range)", pub);
  }

  /** Cycles per iteration of each loop, a bar per configuration (the slowest vCPU's). */
  private static BarPlot vmexitPlot(Table vmexit) {
    List<String> tests = new ArrayList<>();
    Map<String, Map<String, Double>> byConfig = new java.util.LinkedHashMap<>();
    for (List<Object> row : vmexit.rows()) {
      String test = (String) row.get(2);
      String config = row.get(0) + " " + row.get(1);
      if (!tests.contains(test)) {
        tests.add(test);
      }
      byConfig.computeIfAbsent(config, k -> new TreeMap<>()).put(test, (Double) row.get(5));
    }
    BarPlot plot = new BarPlot("vmexit", "VM exit round trips", "cycles per iteration", tests);
    byConfig.forEach(
        (config, values) ->
            plot.series(config, tests.stream().map(t -> values.getOrDefault(t, 0.0)).toList()));
    return plot;
  }

  private static Table publishedTable(RunResult r) {
    Table t =
        new Table(
            "published",
            List.of(
                "quantity",
                "configuration",
                "simulated",
                "published_low",
                "published_high",
                "unit",
                "within_range",
                "source"));
    for (PublishedComparison c : r.publishedComparisons()) {
      t.row(
          c.quantity(),
          c.configuration(),
          Double.isNaN(c.simulated()) ? "missing" : (Object) c.simulated(),
          c.low(),
          c.high(),
          c.unit(),
          c.withinRange() ? "yes" : "no",
          c.source());
    }
    return t;
  }

  private static String summary(Scenario base, List<Configuration> runs, RunResult r) {
    StringBuilder sb = new StringBuilder();
    sb.append("# ").append(base.name()).append("\n\n");
    if (!base.description().isEmpty()) {
      sb.append(base.description()).append("\n\n");
    }
    sb.append("Seed ").append(base.seed()).append(". Host profile `");
    sb.append(runs.get(0).plan().profile().name()).append("`.\n\n");
    sb.append("## Configurations\n\n");
    Table configs =
        new Table(
            "configurations",
            List.of("configuration", "vms", "vcpus", "simulated_s", "events", "finished"));
    for (Configuration c : runs) {
      Scenario s = c.plan().scenario();
      double seconds =
          (double) c.outcome().simulatedCycles() / c.plan().profile().frequency().baseHz();
      configs.row(
          c.plan().variant(),
          (long) s.vms().size(),
          (long) s.vms().stream().mapToInt(v -> v.vcpus()).sum(),
          seconds,
          c.outcome().events(),
          c.outcome().cutOff() ? "NO: cut off at stop.after" : "yes");
    }
    sb.append(configs.toMarkdown()).append('\n');
    if (!r.publishedComparisons().isEmpty()) {
      sb.append("## Simulated beside published\n\n");
      Table p =
          new Table(
              "p", List.of("quantity", "configuration", "simulated", "published", "in range"));
      for (PublishedComparison c : r.publishedComparisons()) {
        String published =
            c.low() == c.high()
                ? Table.readable(c.low())
                : Table.readable(c.low()) + " – " + Table.readable(c.high());
        p.row(
            c.quantity(),
            c.configuration(),
            Double.isNaN(c.simulated())
                ? "missing"
                : Table.readable(c.simulated()) + " " + c.unit(),
            published + " " + c.unit(),
            c.withinRange() ? "yes" : "no");
      }
      sb.append(p.toMarkdown()).append('\n');
      sb.append("Sources:\n\n");
      r.publishedComparisons().stream()
          .map(c -> "- " + c.source())
          .distinct()
          .forEach(l -> sb.append(l).append('\n'));
      sb.append('\n');
    }
    for (Table t : r.tables()) {
      if (t.name().equals("published")) {
        continue;
      }
      sb.append("## ").append(title(t.name())).append("\n\n");
      if (t.name().equals("dirty_log_perf")) {
        sb.append(DirtyLogPerfReport.printout(t));
        continue;
      }
      if (t.name().equals("demand_paging")) {
        sb.append(DemandPagingReport.printout(t));
        continue;
      }
      sb.append(t.toMarkdown()).append('\n');
    }
    sb.append(
        String.format(
            Locale.ROOT, "Every metric is in `result.json`; tables are in `tables/` as CSV.%n"));
    return sb.toString();
  }

  private static String title(String table) {
    return switch (table) {
      case "exits" -> "VM exits per reason (all vCPUs)";
      case "dirty_log_perf" -> "dirty_log_perf_test: each phase as the selftest prints it";
      case "vmexit" -> "vmexit loops: cycles per iteration across vCPUs";
      case "translation" -> "Address translation per random access, and page-table memory";
      case "idle" ->
          "Idle: CPU use of each VM's vCPU threads (%), its cores' C-state residency and clock";
      case "shootdown" ->
          "TLB shootdowns: records per second and the first VM's shootdown latency (us)";
      case "ipi_bench" ->
          "IPI microbenchmark (ipi_benchmark): each test's summed IPI latency and total time, as the module prints them";
      case "ept_faults" ->
          "EPT fault designs: per-vCPU finish times (s), faults, exits and the MMU lock (cycles)";
      default -> table;
    };
  }

  /** A metric's value, or 0 when the run does not report it. */
  static double metric(Map<String, Number> metrics, String name) {
    Number n = metrics.get(name);
    return n == null ? 0 : n.doubleValue();
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper SETTINGS =
      new dev.vsim.scenarios.json.StrictJson().mapper();

  /** A setting of a VM's workload as the scenario spells it, or "-" if it has none. */
  static String setting(VmSpec vm, String field) {
    com.fasterxml.jackson.databind.JsonNode v = SETTINGS.valueToTree(vm.workload()).get(field);
    return v == null || v.isNull() ? "-" : v.asText();
  }

  static List<String> names(List<Configuration> runs) {
    List<String> out = new ArrayList<>();
    runs.forEach(c -> out.add(c.plan().variant()));
    return out;
  }
}
