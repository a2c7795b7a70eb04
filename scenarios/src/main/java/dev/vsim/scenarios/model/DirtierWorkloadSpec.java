package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.guest.workload.DirtierWorkload;
import dev.vsim.guest.workload.Workload;

/**
 * Seed 003's dirtier: every vCPU writes its own range of guest memory with its guest page tables
 * already present, so the costs measured are the EPT side.
 *
 * @param bytesPerVcpu size of each vCPU's range; defaults to the VM's memory divided by its vCPUs
 * @param stride bytes between two stores (64B writes every line)
 * @param passes times each range is written
 */
public record DirtierWorkloadSpec(ByteSize bytesPerVcpu, ByteSize stride, Integer passes)
    implements WorkloadSpec {
  public DirtierWorkloadSpec {
    stride = stride == null ? ByteSize.ofBytes(64) : stride;
    if (stride.bytes() < 1 || stride.bytes() > 4096) {
      throw new IllegalArgumentException("stride must be between 1B and 4KiB, got " + stride);
    }
    passes = passes == null ? 1 : passes;
    if (passes < 1) {
      throw new IllegalArgumentException("passes must be at least 1, got " + passes);
    }
    if (bytesPerVcpu != null && (bytesPerVcpu.bytes() < 4096 || bytesPerVcpu.bytes() % 4096 != 0)) {
      throw new IllegalArgumentException(
          "bytesPerVcpu must be a positive multiple of 4KiB, got " + bytesPerVcpu);
    }
  }

  /**
   * Guest RAM mapped whole (its page tables present, as after boot); vCPU i writes the i-th share.
   * A store moves its line at twice the zeroing rate of one core (read for ownership, write back).
   */
  @Override
  public Workload create(WorkloadContext c) {
    long bytes = c.vm().memory().bytes();
    long base = c.memory().map(bytes);
    int n = c.vm().vcpus();
    long perVcpu = bytesPerVcpu != null ? bytesPerVcpu.bytes() : bytes / n / 4096 * 4096;
    return new DirtierWorkload(
        new DirtierWorkload.Params(
            base,
            perVcpu,
            stride.bytes(),
            passes,
            2L << 20,
            2 * c.profile().dram().zeroingBytesPerSecond(),
            c.hz()),
        n,
        c.stats(),
        c.vcpuStats());
  }

  @Override
  public void checkFits(int vcpus, ByteSize memory) {
    if (bytesPerVcpu != null) {
      WorkloadSpec.checkSharesFit(bytesPerVcpu, vcpus, memory);
    }
  }

  @Override
  public boolean touchesMemory() {
    return true;
  }

  @Override
  public long mapsUpFront(VmSpec vm) {
    return vm.memory().bytes();
  }
}
