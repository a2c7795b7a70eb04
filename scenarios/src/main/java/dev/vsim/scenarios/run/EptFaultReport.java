package dev.vsim.scenarios.run;

import dev.vsim.results.BarPlot;
import dev.vsim.results.Table;
import dev.vsim.scenarios.model.VmSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The EPT-fault-design part of a report: finish times, faults, exits and the MMU lock. */
final class EptFaultReport {
  private EptFaultReport() {}

  static Table table() {
    return new Table(
        "ept_faults",
        List.of(
            "configuration",
            "fault_design",
            "backing",
            "vcpus",
            "min_s",
            "median_s",
            "max_s",
            "median_vs_first",
            "faults_per_vcpu",
            "exits_per_vcpu",
            "races_lost",
            "lock_wait_p50",
            "lock_wait_p99",
            "lock_wait_max",
            "lock_hold_p50",
            "lock_hold_p99",
            "setup_s"));
  }

  /** A row for a configuration whose first VM reports dirtying times; nothing otherwise. */
  static void addRow(Table t, Report.Configuration c, Report.Configuration first) {
    VmSpec vm = c.plan().scenario().vms().get(0);
    String p = vm.nameOr(0) + ".";
    Map<String, Number> m = c.outcome().metrics();
    if (!m.containsKey(p + "dirtier.median_seconds")) {
      return;
    }
    double median = Report.metric(m, p + "dirtier.median_seconds");
    double firstMedian = Report.metric(first.outcome().metrics(), p + "dirtier.median_seconds");
    long exits = 0;
    for (int i = 0; i < vm.vcpus(); i++) {
      exits += (long) Report.metric(m, p + "vcpu" + i + ".exits.ept_violation.count");
    }
    double setup =
        Report.metric(m, p + "kvm.setup.prepopulate_seconds")
            + Report.metric(m, p + "kvm.setup.prefault_seconds");
    t.row(
        c.plan().variant(),
        c.plan().scenario().hypervisor().faultDesign(),
        vm.backing(),
        (long) vm.vcpus(),
        Report.metric(m, p + "dirtier.min_seconds"),
        median,
        Report.metric(m, p + "dirtier.max_seconds"),
        firstMedian == 0 ? 0.0 : median / firstMedian,
        Report.metric(m, p + "kvm.ept_faults.count") / vm.vcpus(),
        (double) exits / vm.vcpus(),
        (long) Report.metric(m, p + "kvm.ept_faults.races_lost"),
        (long) Report.metric(m, p + "kvm.mmu_lock.wait_cycles_p50"),
        (long) Report.metric(m, p + "kvm.mmu_lock.wait_cycles_p99"),
        (long) Report.metric(m, p + "kvm.mmu_lock.wait_cycles_max"),
        (long) Report.metric(m, p + "kvm.mmu_lock.write_hold_cycles_p50"),
        (long) Report.metric(m, p + "kvm.mmu_lock.write_hold_cycles_p99"),
        setup);
  }

  /** Finish times per configuration: the fastest, the median and the slowest vCPU. */
  static BarPlot finishTimes(Table t) {
    List<String> configs = new ArrayList<>();
    List<Double> min = new ArrayList<>();
    List<Double> median = new ArrayList<>();
    List<Double> max = new ArrayList<>();
    for (List<Object> row : t.rows()) {
      configs.add((String) row.get(0));
      min.add((Double) row.get(4));
      median.add((Double) row.get(5));
      max.add((Double) row.get(6));
    }
    return new BarPlot(
            "finish_times", "Per-vCPU time to dirty its range", "time to dirty (s)", configs)
        .series("median vCPU", median)
        .range("fastest to slowest vCPU", min, max);
  }
}
