package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.guest.workload.MemstressWorkload;
import dev.vsim.guest.workload.Workload;

/**
 * What the kvm selftests built on memstress share: each vCPU's memory ({@code -b}), partitioned or
 * overlapped ({@code -o}), mapped by the guest before the vCPUs run, and memstress's guest code.
 */
interface MemstressWorkloadSpec extends WorkloadSpec {
  /** {@code -b}: memory each vCPU accesses. */
  ByteSize bytesPerVcpu();

  /** Each vCPU its own range; false is {@code -o}. */
  Boolean partitionVcpuMemory();

  /** {@code -b} as given, or the selftests' DEFAULT_PER_VCPU_MEM_SIZE of 1 GiB; whole pages. */
  static ByteSize bytesPerVcpuOrDefault(ByteSize b) {
    ByteSize bytes = b == null ? ByteSize.ofGiB(1) : b;
    if (bytes.bytes() < 4096 || bytes.bytes() % 4096 != 0) {
      throw new IllegalArgumentException(
          "bytesPerVcpu must be a positive multiple of 4KiB, got " + bytes);
    }
    return bytes;
  }

  /**
   * The guest's page tables map the test memory (virt_map); each vCPU runs memstress's loop.
   *
   * @param passes the populate pass and the iterations after it
   */
  default Workload memstress(WorkloadContext c, int writePercent, int passes) {
    int n = c.vm().vcpus();
    long base = c.memory().map(bytesPerVcpu().bytes() * n);
    return new MemstressWorkload(
        new MemstressWorkload.Params(
            base,
            bytesPerVcpu().bytes(),
            partitionVcpuMemory(),
            writePercent,
            passes,
            2L << 20,
            2 * c.profile().dram().zeroingBytesPerSecond()),
        n,
        c.random("memstress"),
        c.vcpuStats());
  }

  @Override
  default void checkFits(int vcpus, ByteSize memory) {
    WorkloadSpec.checkSharesFit(bytesPerVcpu(), vcpus, memory);
  }

  @Override
  default boolean touchesMemory() {
    return true;
  }

  @Override
  default long mapsUpFront(VmSpec vm) {
    return bytesPerVcpu().bytes() * vm.vcpus();
  }
}
