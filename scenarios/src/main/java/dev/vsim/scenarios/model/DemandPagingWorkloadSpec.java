package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.guest.workload.MemstressWorkload;
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
    implements WorkloadSpec {
  public DemandPagingWorkloadSpec {
    bytesPerVcpu = bytesPerVcpu == null ? ByteSize.ofGiB(1) : bytesPerVcpu;
    if (bytesPerVcpu.bytes() < 4096 || bytesPerVcpu.bytes() % 4096 != 0) {
      throw new IllegalArgumentException(
          "bytesPerVcpu must be a positive multiple of 4KiB, got " + bytesPerVcpu);
    }
    partitionVcpuMemory = partitionVcpuMemory == null || partitionVcpuMemory;
  }

  /** The guest's page tables map the test memory (virt_map); each vCPU runs one memstress pass. */
  @Override
  public Workload create(WorkloadContext c) {
    int n = c.vm().vcpus();
    long base = c.memory().map(bytesPerVcpu.bytes() * n);
    return new MemstressWorkload(
        new MemstressWorkload.Params(
            base,
            bytesPerVcpu.bytes(),
            partitionVcpuMemory,
            100, // memstress writes unless a test sets a write percentage; this one does not
            1,
            2L << 20,
            2 * c.profile().dram().zeroingBytesPerSecond()),
        n,
        c.random("memstress"),
        c.vcpuStats());
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

  @Override
  public void checkFits(int vcpus, ByteSize memory) {
    WorkloadSpec.checkSharesFit(bytesPerVcpu, vcpus, memory);
  }

  @Override
  public boolean touchesMemory() {
    return true;
  }

  @Override
  public long mapsUpFront(VmSpec vm) {
    return bytesPerVcpu.bytes() * vm.vcpus();
  }
}
