package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.guest.workload.Workload;
import dev.vsim.hypervisor.vmm.DemandPagingHost;
import dev.vsim.hypervisor.vmm.UserspaceExit;

/**
 * The kvm selftest {@code demand_paging_test} without {@code -u} (no userfaultfd: KVM faults every
 * page in itself): memstress's guest code writes one word per guest page of each vCPU's memory,
 * once, and the test's main thread times the pass. Its options: {@code -v} is the VM's {@code
 * vcpus}, {@code -s} the VM's {@code backing}, and here:
 *
 * @param bytesPerVcpu {@code -b}: memory each vCPU touches (default 1GiB,
 *     DEFAULT_PER_VCPU_MEM_SIZE)
 * @param partitionVcpuMemory each vCPU its own range (default true); false is {@code -o}
 */
public record DemandPagingWorkloadSpec(ByteSize bytesPerVcpu, Boolean partitionVcpuMemory)
    implements MemstressWorkloadSpec {
  public DemandPagingWorkloadSpec {
    bytesPerVcpu = MemstressWorkloadSpec.bytesPerVcpuOrDefault(bytesPerVcpu);
    partitionVcpuMemory = partitionVcpuMemory == null || partitionVcpuMemory;
  }

  /**
   * One memstress pass; memstress writes unless a test sets a write percentage, this one does not.
   */
  @Override
  public Workload create(WorkloadContext c) {
    return memstress(c, 100, 1);
  }

  @Override
  public UserspaceExit hostProgram(HostProgramContext c) {
    return new DemandPagingHost(
        c.kernel(),
        c.vcpus(),
        bytesPerVcpu.bytes() / 4096,
        c.profile().hypervisor().userspaceExitCycles(),
        c.hz(),
        c.stats().group("demand_paging"));
  }
}
