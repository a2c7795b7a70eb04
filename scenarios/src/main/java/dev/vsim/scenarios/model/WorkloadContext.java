package dev.vsim.scenarios.model;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.power.PowerModel;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.random.RandomStreams;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.guest.GuestKernel;
import dev.vsim.guest.memory.GuestMemory;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What a workload is built from: its VM (spec, name, vCPUs), the guest kernel and its services
 * (memory, the steal-time areas the guest registered), the host's profile and power model (when
 * modelled), and where its statistics go. A workload only emits operations and calls the guest
 * kernel; it never sees the hypervisor.
 *
 * @param guest the guest kernel that runs the workload (its services: munmap, scheduling, IPIs)
 * @param power the host's power model, or null when the scenario does not model one
 * @param check the checking mode is on (workloads may check their own invariants too)
 */
public record WorkloadContext(
    VmSpec vm,
    String vmName,
    HardwareProfile profile,
    long seed,
    GuestKernel guest,
    GuestMemory memory,
    List<Vcpu> vcpus,
    StealTime[] stealTime,
    PowerModel power,
    boolean check,
    EventKernel kernel,
    StatGroup stats,
    List<StatGroup> vcpuStats) {

  /** Cycles per second of the host's base clock. */
  public long hz() {
    return profile.frequency().baseHz();
  }

  /** The workload's own random stream, named after its VM and {@code purpose}. */
  public SplittableRandom random(String purpose) {
    return new RandomStreams(seed).stream(vmName + "." + purpose);
  }
}
