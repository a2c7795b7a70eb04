package dev.vsim.scenarios.run;

import dev.vsim.results.Table;
import dev.vsim.scenarios.model.DemandPagingWorkloadSpec;
import dev.vsim.scenarios.model.VmSpec;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The demand_paging_test part of a report: its two result lines, printed as the selftest does. */
final class DemandPagingReport {
  private DemandPagingReport() {}

  static Table table() {
    return new Table(
        "demand_paging",
        List.of("configuration", "vm", "total_execution_seconds", "pages_per_second"));
  }

  /** A row for each VM of {@code c} that runs the selftest. */
  static void addRows(Table t, Report.Configuration c) {
    List<VmSpec> vms = c.plan().scenario().vms();
    for (int i = 0; i < vms.size(); i++) {
      if (vms.get(i).workload() instanceof DemandPagingWorkloadSpec) {
        String vm = vms.get(i).nameOr(i);
        Map<String, Number> m = c.outcome().metrics();
        Number total = m.get(vm + ".demand_paging.total_execution_seconds");
        Number rate = m.get(vm + ".demand_paging.pages_per_second");
        if (total != null && rate != null) {
          t.row(c.plan().variant(), vm, total.doubleValue(), rate.doubleValue());
        }
      }
    }
  }

  /** The table's rows as the selftest prints them, one block per configuration and VM. */
  static String printout(Table t) {
    StringBuilder sb = new StringBuilder();
    for (List<Object> row : t.rows()) {
      long ns = Math.round(((Number) row.get(2)).doubleValue() * 1e9);
      sb.append("`")
          .append(row.get(0))
          .append(" / ")
          .append(row.get(1))
          .append("`:\n\n```\n")
          .append(
              String.format(
                  Locale.ROOT,
                  "Total guest execution time:\t%d.%09ds%n",
                  ns / 1_000_000_000L,
                  ns % 1_000_000_000L))
          .append(
              String.format(
                  Locale.ROOT,
                  "Overall demand paging rate:\t%f pgs/sec%n",
                  ((Number) row.get(3)).doubleValue()))
          .append("```\n\n");
    }
    return sb.toString();
  }
}
