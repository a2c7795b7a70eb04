package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;

/**
 * One virtual machine.
 *
 * @param name statistics prefix; defaults to {@code vm<index>}
 * @param vcpus number of vCPUs
 * @param memory guest physical memory
 * @param workload what every vCPU of the guest runs
 */
public record VmSpec(String name, Integer vcpus, ByteSize memory, WorkloadSpec workload) {
  public static final int MAX_VCPUS = 1024;

  public VmSpec {
    vcpus = vcpus == null ? 1 : vcpus;
    if (vcpus < 1 || vcpus > MAX_VCPUS) {
      throw new IllegalArgumentException(
          "vcpus must be between 1 and " + MAX_VCPUS + ", got " + vcpus);
    }
    memory = memory == null ? ByteSize.ofGiB(1) : memory;
    if (memory.bytes() < ByteSize.MIB || memory.bytes() % (4 * ByteSize.KIB) != 0) {
      throw new IllegalArgumentException(
          "memory must be at least 1MiB and a multiple of 4KiB, got " + memory);
    }
    if (name != null && !name.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException(
          "VM name \"" + name + "\" must start with a lower-case letter and use a-z, 0-9, _");
    }
    if (workload == null) {
      throw new IllegalArgumentException("a VM needs a \"workload\"");
    }
  }

  /** This VM's name, or {@code vm<index>} when none was given. */
  public String nameOr(int index) {
    return name != null ? name : "vm" + index;
  }
}
