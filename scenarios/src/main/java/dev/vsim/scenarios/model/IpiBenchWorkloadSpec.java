package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.guest.apic.IpiSender;
import dev.vsim.guest.workload.IpiBenchWorkload;
import dev.vsim.guest.workload.IpiBenchWorkload.Test;
import dev.vsim.guest.workload.Workload;
import java.util.List;

/**
 * Seed 001's IPI microbenchmark, the {@code ipi_benchmark} module: vCPU 0 runs its tests (dry run,
 * self IPI, normal IPI, broadcast IPI, broadcast with a lock in the handler), the others idle in
 * HLT. The guest software costs below are assumptions about a Linux guest on Skylake-SP, not fitted
 * to any figure.
 *
 * @param mode how the guest sends IPIs: {@code physical}, {@code cluster} (x2APIC modes) or {@code
 *     pv} (the KVM_HC_SEND_IPI hypercall)
 * @param tests the tests, in order (default: all five, the module's order)
 * @param iterations runs of each test (default 100,000, the module's NTIMES)
 * @param loopCycles the module's loop around each call: get_cpu, put_cpu, the sum (default 10)
 * @param clockCycles one ktime_get in the guest, a kvmclock read: RDTSC and the scaling (default
 *     60)
 * @param callCycles smp_call_function_single's own work, or the local call with interrupts off of a
 *     call to the own CPU (default 100)
 * @param queueCycles queueing the call on one destination: llist_add to its call queue, whose line
 *     the destination last wrote (one cache-to-cache transfer, about 70 ns on Skylake-SP: default
 *     180)
 * @param sendCycles guest cycles of the APIC driver around each ICR write or hypercall (default
 *     100)
 * @param pollCycles one round of the sender's wait loop (default 50)
 * @param lockCycles the lock handler's spin_lock and spin_unlock, the lock's line coming from the
 *     previous holder (one transfer and the atomic: default 200)
 */
public record IpiBenchWorkloadSpec(
    IpiSender.Mode mode,
    List<Test> tests,
    Long iterations,
    Long loopCycles,
    Long clockCycles,
    Long callCycles,
    Long queueCycles,
    Long sendCycles,
    Long pollCycles,
    Long lockCycles)
    implements WorkloadSpec {
  public IpiBenchWorkloadSpec {
    mode = mode == null ? IpiSender.Mode.CLUSTER : mode;
    tests = tests == null ? IpiBenchWorkload.allTests() : List.copyOf(tests);
    if (tests.isEmpty()) {
      throw new IllegalArgumentException("tests must name at least one test");
    }
    if (tests.stream().distinct().count() != tests.size()) {
      throw new IllegalArgumentException("tests must name each test at most once");
    }
    iterations = iterations == null ? 100_000L : iterations;
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
    }
    loopCycles = nonNegative("loopCycles", loopCycles, 10);
    clockCycles = nonNegative("clockCycles", clockCycles, 60);
    callCycles = nonNegative("callCycles", callCycles, 100);
    queueCycles = nonNegative("queueCycles", queueCycles, 180);
    sendCycles = nonNegative("sendCycles", sendCycles, 100);
    lockCycles = nonNegative("lockCycles", lockCycles, 200);
    pollCycles = pollCycles == null ? 50L : pollCycles;
    if (pollCycles < 1) {
      throw new IllegalArgumentException("pollCycles must be at least 1, got " + pollCycles);
    }
  }

  private static long nonNegative(String name, Long value, long fallback) {
    long v = value == null ? fallback : value;
    if (v < 0) {
      throw new IllegalArgumentException(name + " cannot be negative, got " + v);
    }
    return v;
  }

  @Override
  public void checkWork(long maxCycles) {
    long each =
        Work.sum(
            Work.sum(Work.sum(loopCycles, callCycles), Work.sum(clockCycles, clockCycles)),
            Work.sum(sendCycles, pollCycles));
    if (Work.product(Work.product(iterations, each), tests.size()) > maxCycles) {
      throw new IllegalArgumentException(
          "iterations: the sender's guest work, "
              + iterations
              + " iterations of "
              + tests.size()
              + " tests, passes the simulator's time range; use fewer iterations or cycles");
    }
  }

  @Override
  public Workload create(WorkloadContext c) {
    return new IpiBenchWorkload(
        new IpiBenchWorkload.Params(
            mode,
            tests,
            iterations,
            100_000,
            loopCycles,
            clockCycles,
            callCycles,
            queueCycles,
            sendCycles,
            pollCycles,
            lockCycles,
            c.hz()),
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
