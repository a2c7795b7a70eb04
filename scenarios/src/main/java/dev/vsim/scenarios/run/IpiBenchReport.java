package dev.vsim.scenarios.run;

import dev.vsim.results.BarPlot;
import dev.vsim.results.Table;
import dev.vsim.scenarios.model.VmSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The IPI-microbenchmark part of a report: time per IPI and the sender's exits per mode. */
final class IpiBenchReport {
  private IpiBenchReport() {}

  static Table table() {
    return new Table(
        "ipi_bench",
        List.of(
            "configuration",
            "mode",
            "pattern",
            "vcpus",
            "sender_exits_per_ipi",
            "cycles_per_ipi",
            "ns_per_ipi",
            "vs_first"));
  }

  static void addRow(Table t, Report.Configuration c, Report.Configuration first) {
    VmSpec vm = c.plan().scenario().vms().get(0);
    String p = vm.nameOr(0) + ".vcpu0.ipi_bench.";
    Map<String, Number> m = c.outcome().metrics();
    if (!m.containsKey(p + "cycles_per_iteration")) {
      return; // the first VM runs no IPI benchmark
    }
    double cycles = m.get(p + "cycles_per_iteration").doubleValue();
    Number f = first.outcome().metrics().get(p + "cycles_per_iteration");
    t.row(
        c.plan().variant(),
        Report.setting(vm, "mode"),
        Report.setting(vm, "pattern"),
        (long) vm.vcpus(),
        m.get(p + "sends_per_iteration").doubleValue(),
        cycles,
        m.get(p + "ns_per_iteration").doubleValue(),
        f == null || f.doubleValue() == 0 ? 0.0 : cycles / f.doubleValue());
  }

  static BarPlot plot(Table t) {
    List<String> configs = new ArrayList<>();
    List<Double> ns = new ArrayList<>();
    for (List<Object> row : t.rows()) {
      configs.add(row.get(0) + " (" + row.get(1) + ", " + row.get(2) + ")");
      ns.add((Double) row.get(6));
    }
    return new BarPlot("ipi_bench", "IPI microbenchmark: time per IPI", "ns per IPI", configs)
        .series("simulated", ns);
  }
}
