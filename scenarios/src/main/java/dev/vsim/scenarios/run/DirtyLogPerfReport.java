package dev.vsim.scenarios.run;

import dev.vsim.results.Table;
import dev.vsim.scenarios.model.DirtyLogPerfWorkloadSpec;
import dev.vsim.scenarios.model.VmSpec;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The dirty_log_perf_test part of a report: each phase's time, printed as the selftest does. */
final class DirtyLogPerfReport {
  private DirtyLogPerfReport() {}

  static Table table() {
    return new Table("dirty_log_perf", List.of("configuration", "vm", "phase", "seconds"));
  }

  /** The rows of each VM of {@code c} that runs the selftest (its lines, in its order). */
  static void addRows(Table t, Report.Configuration c) {
    List<VmSpec> vms = c.plan().scenario().vms();
    for (int i = 0; i < vms.size(); i++) {
      if (vms.get(i).workload() instanceof DirtyLogPerfWorkloadSpec spec) {
        String vm = vms.get(i).nameOr(i);
        Map<String, Number> m = c.outcome().metrics();
        String p = vm + ".dirty_log_perf.";
        if (!m.containsKey(p + "populate_memory_seconds")) {
          continue;
        }
        t.row(
            c.plan().variant(),
            vm,
            "Populate memory time",
            metric(m, p + "populate_memory_seconds"));
        t.row(
            c.plan().variant(),
            vm,
            "Enabling dirty logging time",
            metric(m, p + "enable_dirty_logging_seconds"));
        int n = spec.iterations();
        for (int k = 1; k <= n; k++) {
          String it = p + "iteration" + k + ".";
          t.row(
              c.plan().variant(),
              vm,
              "Iteration " + k + " dirty memory time",
              metric(m, it + "dirty_memory_seconds"));
          t.row(
              c.plan().variant(),
              vm,
              "Iteration " + k + " get dirty log time",
              metric(m, it + "get_dirty_log_seconds"));
          if (spec.manualProtect()) {
            t.row(
                c.plan().variant(),
                vm,
                "Iteration " + k + " clear dirty log time",
                metric(m, it + "clear_dirty_log_seconds"));
          }
        }
        t.row(
            c.plan().variant(),
            vm,
            "Disabling dirty logging time",
            metric(m, p + "disable_dirty_logging_seconds"));
        t.row(
            c.plan().variant(),
            vm,
            "Get dirty log over " + n + " iterations",
            metric(m, p + "get_dirty_log_total_seconds"));
        if (spec.manualProtect()) {
          t.row(
              c.plan().variant(),
              vm,
              "Clear dirty log over " + n + " iterations",
              metric(m, p + "clear_dirty_log_total_seconds"));
        }
      }
    }
  }

  private static double metric(Map<String, Number> m, String name) {
    Number v = m.get(name);
    return v == null ? Double.NaN : v.doubleValue();
  }

  /** The table's rows as the selftest prints them, one block per configuration and VM. */
  static String printout(Table t) {
    StringBuilder sb = new StringBuilder();
    String block = null;
    for (List<Object> row : t.rows()) {
      String key = row.get(0) + " / " + row.get(1);
      if (!key.equals(block)) {
        if (block != null) {
          sb.append("```\n\n");
        }
        sb.append("`").append(key).append("`:\n\n```\n");
        block = key;
      }
      String phase = (String) row.get(2);
      double s = ((Number) row.get(3)).doubleValue();
      long ns = Math.round(s * 1e9);
      String time =
          String.format(Locale.ROOT, "%d.%09ds", ns / 1_000_000_000L, ns % 1_000_000_000L);
      if (phase.startsWith("Get dirty log over") || phase.startsWith("Clear dirty log over")) {
        int n = Integer.parseInt(phase.replaceAll("\\D+", ""));
        long avg = ns / n;
        sb.append(phase)
            .append(" took ")
            .append(time)
            .append(
                String.format(
                    Locale.ROOT,
                    ". (Avg %d.%09ds/iteration)",
                    avg / 1_000_000_000L,
                    avg % 1_000_000_000L));
      } else {
        sb.append(phase).append(": ").append(time);
      }
      sb.append('\n');
    }
    if (block != null) {
      sb.append("```\n\n");
    }
    return sb.toString();
  }
}
