package dev.vsim.scenarios.run;

import dev.vsim.results.CdfPlot;
import dev.vsim.results.Table;
import dev.vsim.scenarios.model.ShootdownWorkloadSpec;
import dev.vsim.scenarios.model.VmSpec;
import java.util.List;
import java.util.Map;

/** The TLB-shootdown part of a report: throughput, IPIs and the latency distribution. */
final class ShootdownReport {
  private ShootdownReport() {}

  static Table table() {
    return new Table(
        "shootdown",
        List.of(
            "configuration",
            "vms",
            "pv_tlb_flush",
            "records_per_s_per_vm",
            "vs_first",
            "shootdowns_vm0",
            "ipis_sent_vm0",
            "ipis_skipped_vm0",
            "latency_us_p50",
            "latency_us_p90",
            "latency_us_p99",
            "latency_us_p99_9",
            "latency_us_max"));
  }

  private static boolean applies(Report.Configuration c) {
    String vm = c.plan().scenario().vms().get(0).nameOr(0);
    return c.outcome().metrics().containsKey(vm + ".shootdown.records");
  }

  /** Records per second averaged over the VMs of a configuration. */
  private static double recordsPerVm(Report.Configuration c) {
    double sum = 0;
    List<VmSpec> vms = c.plan().scenario().vms();
    for (int i = 0; i < vms.size(); i++) {
      sum +=
          Report.metric(
              c.outcome().metrics(), vms.get(i).nameOr(i) + ".shootdown.records_per_second");
    }
    return sum / vms.size();
  }

  static void addRow(Table t, Report.Configuration c, Report.Configuration first) {
    if (!applies(c)) {
      return;
    }
    VmSpec vm = c.plan().scenario().vms().get(0);
    String p = vm.nameOr(0) + ".shootdown.";
    Map<String, Number> m = c.outcome().metrics();
    double rate = recordsPerVm(c);
    double base = applies(first) ? recordsPerVm(first) : 0;
    t.row(
        c.plan().variant(),
        (long) c.plan().scenario().vms().size(),
        ((ShootdownWorkloadSpec) vm.workload()).pvTlbFlush() ? "yes" : "no",
        rate,
        base == 0 ? 0.0 : rate / base,
        (long) Report.metric(m, p + "count"),
        (long) Report.metric(m, p + "ipis_sent"),
        (long) Report.metric(m, p + "ipis_skipped_preempted"),
        Report.metric(m, p + "latency_us_p50"),
        Report.metric(m, p + "latency_us_p90"),
        Report.metric(m, p + "latency_us_p99"),
        Report.metric(m, p + "latency_us_p99_9"),
        Report.metric(m, p + "latency_us_max"));
  }

  /**
   * The CDF of the first VM's shootdown latency, one curve per configuration, drawn from every
   * recorded latency (the distribution's histogram, in cycles, turned into microseconds).
   */
  static CdfPlot cdf(List<Report.Configuration> runs) {
    CdfPlot plot =
        new CdfPlot(
            "shootdown_latency_cdf",
            "TLB shootdown latency (first VM)",
            "latency (microseconds)",
            "fraction of shootdowns at or below");
    for (Report.Configuration c : runs) {
      if (!applies(c)) {
        continue;
      }
      String name = c.plan().scenario().vms().get(0).nameOr(0) + ".shootdown.latency_cycles";
      double microsPerCycle = 1e6 / c.plan().profile().frequency().baseHz();
      for (dev.vsim.cpu.stats.Stat s : c.outcome().stats().stats()) {
        if (!s.isScalar() && s.name().equals(name)) {
          plot.curve(c.plan().variant(), s.histogram(), microsPerCycle);
        }
      }
    }
    return plot;
  }
}
