package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.guest.apic.IpiSender;
import dev.vsim.guest.workload.IpiBenchWorkload;
import dev.vsim.guest.workload.Workload;

/**
 * Seed 001's IPI microbenchmark: vCPU 0 sends function-call IPIs, the others idle in HLT.
 *
 * @param mode how the guest sends IPIs: {@code physical}, {@code cluster} (x2APIC modes) or {@code
 *     pv} (the KVM_HC_SEND_IPI hypercall)
 * @param pattern {@code unicast} (to vCPU 1) or {@code broadcast} (to every other vCPU)
 * @param iterations IPIs sent and waited for
 * @param sendCycles guest cycles of the APIC driver around each ICR write or hypercall
 * @param pollCycles one round of the sender's wait loop
 */
public record IpiBenchWorkloadSpec(
    IpiSender.Mode mode,
    IpiBenchWorkload.Pattern pattern,
    Long iterations,
    Long sendCycles,
    Long pollCycles)
    implements WorkloadSpec {
  public IpiBenchWorkloadSpec {
    mode = mode == null ? IpiSender.Mode.CLUSTER : mode;
    pattern = pattern == null ? IpiBenchWorkload.Pattern.BROADCAST : pattern;
    iterations = iterations == null ? 1000L : iterations;
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
    }
    sendCycles = sendCycles == null ? 100L : sendCycles;
    if (sendCycles < 0) {
      throw new IllegalArgumentException("sendCycles cannot be negative, got " + sendCycles);
    }
    pollCycles = pollCycles == null ? 50L : pollCycles;
    if (pollCycles < 1) {
      throw new IllegalArgumentException("pollCycles must be at least 1, got " + pollCycles);
    }
  }

  @Override
  public void checkWork(long maxCycles) {
    if (Work.product(iterations, Work.sum(sendCycles, pollCycles)) > maxCycles) {
      throw new IllegalArgumentException(
          (sendCycles + pollCycles > iterations
                  ? (sendCycles > pollCycles ? "sendCycles" : "pollCycles")
                  : "iterations")
              + ": the sender's guest work, "
              + iterations
              + " iterations × ("
              + sendCycles
              + " sendCycles + "
              + pollCycles
              + " pollCycles), passes the simulator's time range; use fewer iterations or"
              + " cycles");
    }
  }

  @Override
  public Workload create(WorkloadContext c) {
    return new IpiBenchWorkload(
        new IpiBenchWorkload.Params(
            mode, pattern, iterations, 100_000, sendCycles, pollCycles, c.hz()),
        c.vm().vcpus(),
        c.vcpuStats().get(0));
  }

  @Override
  public void checkFits(int vcpus, ByteSize memory) {
    if (vcpus < 2) {
      throw new IllegalArgumentException(
          "vcpus must be at least 2 for the ipi-bench workload (one sends, the others receive)");
    }
  }
}
