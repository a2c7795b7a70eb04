package dev.vsim.scenarios.run;

import dev.vsim.cpu.power.CoreStateTable;
import dev.vsim.cpu.profile.CoreCState;
import dev.vsim.results.Table;
import dev.vsim.scenarios.model.VmSpec;
import java.util.List;
import java.util.Map;

/**
 * The idle-exit part of a report, one row per VM: its vCPU threads' CPU use as top shows it, the
 * C-state residency of its cores as the hardware's core residency counters count it (turbostat's
 * CPU%c3, c6, c7 and powertop's cc3, cc6, cc7: every state whose MWAIT hint has C-state field 1, 2
 * or 3, so C7s counts as C7) and their frequency, each package's C-states (packages 0 and 1; 0 for
 * a state the host lacks) and the busy VM's score. Without a host scheduler vCPUs own pCPUs in VM
 * order, and pCPU i is a thread of core i % cores.
 */
final class IdleReport {
  private IdleReport() {}

  static Table table() {
    return new Table(
        "idle",
        List.of(
            "configuration",
            "vm",
            "idle",
            "cpu_percent",
            "bursts_per_s",
            "core_c0",
            "core_c1e",
            "core_cc3",
            "core_cc6",
            "core_cc7",
            "core_ghz",
            "package0_pc2",
            "package0_pc3",
            "package0_pc6",
            "package0_pc7",
            "package1_pc2",
            "package1_pc3",
            "package1_pc6",
            "package1_pc7"));
  }

  /** The core's residency in every state whose MWAIT hint has this C-state field. */
  private static double counter(
      Map<String, Number> m, String core, Map<String, CoreCState> states, int field) {
    double sum = 0;
    for (Map.Entry<String, CoreCState> e : states.entrySet()) {
      if (e.getValue().mwaitCState() == field) {
        sum += Report.metric(m, core + CoreStateTable.statName(e.getKey()) + "_residency");
      }
    }
    return sum;
  }

  /** A metric of a package the host may not have (a one-socket host has no package 1). */
  private static double orZero(Map<String, Number> m, String name) {
    return m.containsKey(name) ? Report.metric(m, name) : 0.0;
  }

  static void addRows(Table t, Report.Configuration c) {
    List<VmSpec> vms = c.plan().scenario().vms();
    Map<String, Number> m = c.outcome().metrics();
    if (!m.containsKey("host.power.package0.pc6_residency")) {
      return; // no power model
    }
    int cores =
        c.plan().profile().topology().sockets() * c.plan().profile().topology().coresPerSocket();
    double elapsed = Report.metric(m, "sim.cycles");
    Map<String, CoreCState> states = c.plan().profile().power().coreStates();
    int pcpu = 0;
    for (int k = 0; k < vms.size(); k++) {
      VmSpec vm = vms.get(k);
      String name = vm.nameOr(k);
      double cpu = 0;
      double c0 = 0;
      double c1e = 0;
      double cc3 = 0;
      double cc6 = 0;
      double cc7 = 0;
      double ghz = 0;
      for (int v = 0; v < vm.vcpus(); v++, pcpu++) {
        cpu += 100 * (1 - Report.metric(m, name + ".vcpu" + v + ".time.sleep_cycles") / elapsed);
        String core = "host.power.core" + (pcpu % cores) + ".";
        c0 += Report.metric(m, core + "c0_residency") / vm.vcpus();
        c1e += orZero(m, core + "c1e_residency") / vm.vcpus();
        cc3 += counter(m, core, states, 1) / vm.vcpus();
        cc6 += counter(m, core, states, 2) / vm.vcpus();
        cc7 += counter(m, core, states, 3) / vm.vcpus();
        ghz += Report.metric(m, core + "avg_frequency_hz") / 1e9 / vm.vcpus();
      }
      t.row(
          c.plan().variant(),
          name,
          Report.setting(vm, "idle"),
          cpu,
          m.containsKey(name + ".cpu_bench.bursts_per_second")
              ? Report.metric(m, name + ".cpu_bench.bursts_per_second")
              : 0.0,
          c0,
          c1e,
          cc3,
          cc6,
          cc7,
          ghz,
          orZero(m, "host.power.package0.pc2_residency"),
          orZero(m, "host.power.package0.pc3_residency"),
          orZero(m, "host.power.package0.pc6_residency"),
          orZero(m, "host.power.package0.pc7_residency"),
          orZero(m, "host.power.package1.pc2_residency"),
          orZero(m, "host.power.package1.pc3_residency"),
          orZero(m, "host.power.package1.pc6_residency"),
          orZero(m, "host.power.package1.pc7_residency"));
    }
  }
}
