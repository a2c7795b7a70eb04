package dev.vsim.hypervisor.sched;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.power.PowerModel;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.registry.Registry;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.hypervisor.KvmVm;
import java.util.List;

/**
 * How the host runs the vCPUs of its VMs on its hardware threads: each vCPU on a thread of its own,
 * or vCPU threads sharing the pCPUs under a scheduler (preemption, steal time, directed yield).
 * Picked by name in a scenario's {@code hypervisor.hostScheduler}.
 */
public interface HostScheduler {
  /** What every host scheduler is built from. */
  record Host(
      EventKernel kernel,
      HardwareProfile profile,
      PowerModel power,
      long seed,
      long pleWindowCycles,
      StatGroup stats) {}

  /**
   * One VM's vCPUs, as the host sees them.
   *
   * @param stealTime each vCPU's steal-time area (the guest registered it)
   * @param flushOnEntry each vCPU's TLB flush that a PV flush request makes before its next entry
   * @param vcpuStats each vCPU's statistics group
   */
  record Vm(
      List<Vcpu> vcpus,
      KvmVm kvm,
      StealTime[] stealTime,
      Runnable[] flushOnEntry,
      List<StatGroup> vcpuStats,
      StatGroup stats) {}

  /** Builds a host scheduler. */
  @FunctionalInterface
  interface Factory {
    HostScheduler create(Host host);
  }

  /** Every host scheduler by name. */
  Registry<Factory> REGISTRY =
      new Registry<Factory>("host scheduler", "how vCPU threads share the host's hardware threads")
          .register(
              "none",
              "each vCPU owns a hardware thread of its own (vCPUs must not outnumber them)",
              DedicatedThreads::new)
          .register(
              "cfs",
              "vCPU threads share the pCPUs under a CFS-like scheduler: preemption, steal time",
              CfsHost::new);

  /** Whether vCPUs may outnumber the host's hardware threads. */
  boolean overcommits();

  /** Takes the vCPUs of one more VM. */
  void addVm(Vm vm);

  /** Starts every vCPU (now, or within the first scheduling period). */
  void start();

  /** The guest on {@code vcpu} finished: its thread leaves the host's CPUs. */
  void exited(Vcpu vcpu);
}
