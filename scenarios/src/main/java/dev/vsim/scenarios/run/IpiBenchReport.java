package dev.vsim.scenarios.run;

import dev.vsim.guest.workload.IpiBenchWorkload;
import dev.vsim.results.BarPlot;
import dev.vsim.results.Table;
import dev.vsim.scenarios.model.VmSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The IPI-microbenchmark part of a report: per configuration and test, the two figures the {@code
 * ipi_benchmark} module prints (the summed IPI latency and the test's total time, in ns), the time
 * per iteration and the ratio of the total to the first configuration's.
 */
final class IpiBenchReport {
  private IpiBenchReport() {}

  static Table table() {
    return new Table(
        "ipi_bench",
        List.of(
            "configuration",
            "mode",
            "apicv",
            "test",
            "ipi_ns",
            "total_ns",
            "ns_per_iteration",
            "vs_first"));
  }

  static void addRow(Table t, Report.Configuration c, Report.Configuration first) {
    VmSpec vm = c.plan().scenario().vms().get(0);
    String p = vm.nameOr(0) + ".vcpu0.ipi_bench.";
    Map<String, Number> m = c.outcome().metrics();
    Map<String, Number> f = first.outcome().metrics();
    for (IpiBenchWorkload.Test test : IpiBenchWorkload.Test.values()) {
      String q = p + test.statName() + ".";
      if (!m.containsKey(q + "total_ns")) {
        continue; // not run, or the first VM runs no IPI benchmark
      }
      double total = m.get(q + "total_ns").doubleValue();
      Number base = f.get(q + "total_ns");
      t.row(
          c.plan().variant(),
          Report.setting(vm, "mode"),
          c.plan().scenario().hypervisor().enableApicv() ? "on" : "off",
          test.printed(),
          m.get(q + "ipi_ns").doubleValue(),
          total,
          m.get(q + "ns_per_iteration").doubleValue(),
          base == null || base.doubleValue() == 0 ? 0.0 : total / base.doubleValue());
    }
  }

  /** Time per iteration of each IPI test, per configuration. */
  static BarPlot plot(Table t) {
    List<String> configs = new ArrayList<>();
    Map<String, List<Double>> byTest = new LinkedHashMap<>();
    for (List<Object> row : t.rows()) {
      String config = (String) row.get(0);
      String test = (String) row.get(3);
      if (test.equals("Dry-run") || test.equals("Self-IPI")) {
        continue; // no IPI
      }
      if (!configs.contains(config)) {
        configs.add(config);
      }
      byTest.computeIfAbsent(test, k -> new ArrayList<>()).add((Double) row.get(6));
    }
    BarPlot plot =
        new BarPlot("ipi_bench", "ipi_benchmark: time per iteration", "ns per iteration", configs);
    byTest.forEach(
        (test, ns) -> {
          if (ns.size() == configs.size()) {
            plot.series(test, ns);
          }
        });
    return plot;
  }
}
