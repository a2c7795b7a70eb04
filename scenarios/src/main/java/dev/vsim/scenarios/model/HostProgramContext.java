package dev.vsim.scenarios.model;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.hypervisor.mmu.VmMemory;
import java.util.List;

/**
 * What a workload's host program (a selftest's user-space side) is built from: the VM's memory as
 * the hypervisor holds it (memslots, EPT, the MMU lock), its vCPUs, the hypervisor's settings, and
 * where its statistics go.
 */
public record HostProgramContext(
    VmSpec vm,
    HypervisorSpec hypervisor,
    HardwareProfile profile,
    EventKernel kernel,
    VmMemory memory,
    List<Vcpu> vcpus,
    StatGroup stats) {
  /** Cycles per second of the host's base clock. */
  public long hz() {
    return profile.frequency().baseHz();
  }
}
