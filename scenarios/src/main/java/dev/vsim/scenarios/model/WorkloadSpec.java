package dev.vsim.scenarios.model;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.vsim.cpu.units.ByteSize;
import dev.vsim.guest.workload.Workload;

/**
 * What a VM's vCPUs run, selected by {@code "type"} among the names of {@link WorkloadSpecs}. A
 * spec builds its workload from the VM's context; the wiring knows no workload by name.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public interface WorkloadSpec {
  /** Builds the workload of one VM. */
  Workload create(WorkloadContext context);

  /**
   * Checks that the workload fits a VM of {@code vcpus} and {@code memory}.
   *
   * @throws IllegalArgumentException saying what does not fit and how to fix it
   */
  default void checkFits(int vcpus, ByteSize memory) {}

  /**
   * This spec with the defaults that depend on the VM filled in, for a VM of {@code vcpus}: what
   * the resolved scenario shows and what runs. A spec with no such default returns itself.
   */
  default WorkloadSpec resolvedFor(int vcpus) {
    return this;
  }

  /**
   * Checks that {@code vcpus} shares of {@code bytesPerVcpu} fit in {@code memory} (compared by
   * division, so that no product overflows).
   *
   * @throws IllegalArgumentException saying what does not fit
   */
  static void checkSharesFit(ByteSize bytesPerVcpu, int vcpus, ByteSize memory) {
    if (bytesPerVcpu.bytes() > memory.bytes() / vcpus) {
      throw new IllegalArgumentException(
          "workload: bytesPerVcpu ("
              + bytesPerVcpu
              + ") times "
              + vcpus
              + " vCPUs is more than the VM's memory ("
              + memory
              + ")");
    }
  }

  /**
   * Checks that the guest work the workload declares (counts times cycles) fits in {@code
   * maxCycles}, the simulator's time range, without overflowing.
   *
   * @throws IllegalArgumentException naming the field to change first, then what does not fit
   */
  default void checkWork(long maxCycles) {}

  /**
   * Checks what depends on the host's clock: times that must last at least one cycle of it.
   *
   * @throws IllegalArgumentException naming the field to change first, then what does not fit
   */
  default void checkAtClock(long hz) {}

  /**
   * The VMM program in user space that comes with the workload (a selftest's host side, which takes
   * its ucalls and drives KVM's ioctls), or null: the VM's exits to user space go to it.
   */
  default dev.vsim.hypervisor.vmm.UserspaceExit hostProgram(HostProgramContext context) {
    return null;
  }

  /** Whether the workload touches memory (its vCPUs then get MMUs and cache models). */
  default boolean touchesMemory() {
    return false;
  }

  /**
   * Bytes of the VM's memory the workload maps (populated) before its vCPUs run: their guest page
   * tables exist from the start.
   */
  default long mapsUpFront(VmSpec vm) {
    return 0;
  }

  /** Whether the workload reads the pCPUs' C-states and frequency (a power model is needed). */
  default boolean needsPowerModel() {
    return false;
  }
}
