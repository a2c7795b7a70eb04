package dev.vsim.scenarios.model;

import dev.vsim.cpu.registry.Registry;

/**
 * Every workload a scenario can name in {@code "type"}, with its spec (the JSON it takes, which
 * builds the workload). Adding a workload is a spec, a workload class and one line here.
 */
public final class WorkloadSpecs {
  private WorkloadSpecs() {}

  public static final Registry<Class<? extends WorkloadSpec>> REGISTRY =
      new Registry<Class<? extends WorkloadSpec>>(
              "workload", "what a VM's vCPUs run (the guest's process)")
          .register(
              "vmexit",
              "kvm-unit-tests' vmexit: loops of CPUID, VMCALL and self-IPI round trips",
              VmexitWorkloadSpec.class)
          .register(
              "random-access",
              "random 8-byte loads over a working set: translation and cache misses per access",
              RandomAccessWorkloadSpec.class)
          .register(
              "dirtier",
              "seed 003: each vCPU writes its own range of guest memory, page after page",
              DirtierWorkloadSpec.class)
          .register(
              "dirty-log-perf",
              "the kvm selftest dirty_log_perf_test: populate, enable dirty logging, dirty"
                  + " iterations with get/clear of the log, disable",
              DirtyLogPerfWorkloadSpec.class)
          .register(
              "demand-paging",
              "the kvm selftest demand_paging_test without userfaultfd: every vCPU writes each"
                  + " page of its memory once, each first access an EPT fault",
              DemandPagingWorkloadSpec.class)
          .register(
              "ipi-bench",
              "the ipi_benchmark module: vCPU 0 runs its dry-run, self, normal and broadcast IPI tests",
              IpiBenchWorkloadSpec.class)
          .register(
              "shootdown",
              "ebizzy's or PARSEC dedup's threads unmapping memory: TLB shootdowns by IPI or PV",
              ShootdownWorkloadSpec.class)
          .register(
              "cpu-bench",
              "Unixbench-like CPU bursts or an idle guest, idling by HLT, MWAIT or polling",
              CpuBenchWorkloadSpec.class);
}
