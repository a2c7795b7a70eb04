package dev.vsim.scenarios.model;

import dev.vsim.guest.workload.VmexitWorkload;
import dev.vsim.guest.workload.VmexitWorkload.Test;
import dev.vsim.guest.workload.Workload;
import java.util.List;

/**
 * kvm-unit-tests' {@code vmexit} test: every vCPU runs a loop of each listed test and reports the
 * cycles of one round trip.
 *
 * @param tests which loops to run, in order
 * @param iterations round trips per loop
 * @param loopCycles guest cycles of one iteration besides the exiting instruction: vmexit.c's loop
 *     is an indirect call, return, increment, compare and branch, a handful of cycles
 */
public record VmexitWorkloadSpec(List<Test> tests, Long iterations, Long loopCycles)
    implements WorkloadSpec {

  public VmexitWorkloadSpec {
    tests = tests == null ? List.of(Test.CPUID, Test.VMCALL, Test.SELF_IPI) : List.copyOf(tests);
    if (tests.isEmpty()) {
      throw new IllegalArgumentException("tests must name at least one loop");
    }
    iterations = iterations == null ? 100_000L : iterations;
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
    }
    loopCycles = loopCycles == null ? 8L : loopCycles;
    if (loopCycles < 0) {
      throw new IllegalArgumentException("loopCycles cannot be negative, got " + loopCycles);
    }
  }

  @Override
  public void checkWork(long maxCycles) {
    if (Work.product(Work.product(iterations, loopCycles), tests.size()) > maxCycles) {
      throw new IllegalArgumentException(
          (loopCycles > iterations ? "loopCycles" : "iterations")
              + ": the loops' guest work, "
              + tests.size()
              + " test(s) × "
              + iterations
              + " iterations × "
              + loopCycles
              + " loopCycles, passes the simulator's time range; use fewer iterations or"
              + " loopCycles");
    }
  }

  @Override
  public Workload create(WorkloadContext c) {
    return new VmexitWorkload(
        new VmexitWorkload.Params(tests, iterations, loopCycles), c.vcpuStats());
  }
}
