package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.guest.workload.Workload;
import dev.vsim.hypervisor.vmm.DirtyLogPerfHost;
import dev.vsim.hypervisor.vmm.UserspaceExit;

/**
 * The kvm selftest {@code dirty_log_perf_test} (memstress guest code, the test's main thread as the
 * host program). Its options: {@code -v} is the VM's {@code vcpus}, {@code -s} the VM's {@code
 * backing} (anonymous: {@code anonymous}; anonymous_thp: {@code thp}; anonymous_hugetlb_2mb and
 * _1gb: {@code hugetlb-2m} and {@code hugetlb-1g}; shmem, whose huge pages are off by default:
 * {@code anonymous}), and here:
 *
 * @param bytesPerVcpu {@code -b}: memory each vCPU dirties (default 1GiB,
 *     DEFAULT_PER_VCPU_MEM_SIZE)
 * @param iterations {@code -i}: dirty-memory iterations after the populate pass (default 2, at
 *     least 2)
 * @param manualProtect KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 with KVM_DIRTY_LOG_INITIALLY_SET (default
 *     true, as the test enables it where KVM has it); false is {@code -g}
 * @param partitionVcpuMemory each vCPU its own range (default true); false is {@code -o}
 * @param writePercent {@code -w}: the chance of a store for each page (default 100)
 */
public record DirtyLogPerfWorkloadSpec(
    ByteSize bytesPerVcpu,
    Integer iterations,
    Boolean manualProtect,
    Boolean partitionVcpuMemory,
    Integer writePercent)
    implements MemstressWorkloadSpec {
  public DirtyLogPerfWorkloadSpec {
    bytesPerVcpu = MemstressWorkloadSpec.bytesPerVcpuOrDefault(bytesPerVcpu);
    iterations = iterations == null ? 2 : iterations;
    if (iterations < 2 || iterations > 1_000_000) {
      throw new IllegalArgumentException(
          "iterations must be at least 2 (the test's rule) and at most 1000000, got " + iterations);
    }
    manualProtect = manualProtect == null || manualProtect;
    partitionVcpuMemory = partitionVcpuMemory == null || partitionVcpuMemory;
    writePercent = writePercent == null ? 100 : writePercent;
    if (writePercent < 0 || writePercent > 100) {
      throw new IllegalArgumentException(
          "writePercent must be between 0 and 100, got " + writePercent);
    }
  }

  @Override
  public Workload create(WorkloadContext c) {
    return memstress(c, writePercent, iterations + 1);
  }

  @Override
  public UserspaceExit hostProgram(HostProgramContext c) {
    HypervisorSpec hv = c.hypervisor();
    return new DirtyLogPerfHost(
        c.kernel(),
        c.memory().ept(),
        c.memory().faults().lock(),
        c.memory().design(),
        c.memory().ram(),
        c.vcpus(),
        new DirtyLogPerfHost.Params(
            iterations,
            manualProtect,
            hv.dirtyLogMode(),
            hv.eagerPageSplit(),
            c.profile().hypervisor().userspaceExitCycles(),
            c.hz()),
        c.stats().group("dirty_log_perf"));
  }
}
