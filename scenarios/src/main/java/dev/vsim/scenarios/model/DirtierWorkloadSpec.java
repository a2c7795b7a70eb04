package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;

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
}
