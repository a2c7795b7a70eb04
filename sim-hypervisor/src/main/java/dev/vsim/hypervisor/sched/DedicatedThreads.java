package dev.vsim.hypervisor.sched;

import dev.vsim.cpu.power.PowerModel;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.ArrayList;
import java.util.List;

/**
 * No host scheduling: the vCPUs own hardware threads 0, 1, 2... in VM order, and a vCPU that sleeps
 * idles its own pCPU (in the host idle governor's C-state, when power is modelled).
 */
final class DedicatedThreads implements HostScheduler {
  private final Host host;
  private final List<Vcpu> vcpus = new ArrayList<>();

  DedicatedThreads(Host host) {
    this.host = host;
  }

  @Override
  public boolean overcommits() {
    return false;
  }

  @Override
  public void addVm(Vm vm) {
    for (Vcpu v : vm.vcpus()) {
      int pcpu = vcpus.size();
      if (host.power() != null) {
        v.setPower(host.power(), pcpu);
      } else {
        v.runsOn(pcpu);
      }
      vcpus.add(v);
    }
  }

  @Override
  public void start() {
    PowerModel power = host.power();
    if (power != null) {
      // pCPUs no vCPU owns idle from the start, in what the host's governor picks.
      for (int cpu = vcpus.size(); cpu < host.profile().topology().hardwareThreads(); cpu++) {
        power.idle(cpu, 0, PowerModel.GOVERNOR);
      }
    }
    vcpus.forEach(Vcpu::start);
  }

  @Override
  public void exited(Vcpu vcpu) {}
}
