package dev.vsim.guest.workload;

import dev.vsim.cpu.pv.Msr;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.List;

/**
 * kvm-unit-tests' {@code x86/vmexit.c}: each vCPU runs a loop of each test and measures the cycles
 * of one iteration as the test does, from the time stamp before the loop to the one after it.
 *
 * <ul>
 *   <li>{@code cpuid}: CPUID exits and is emulated;
 *   <li>{@code vmcall}: VMCALL with an unknown hypercall number, answered with -KVM_ENOSYS;
 *   <li>{@code self-ipi}: a write to the x2APIC SELF_IPI MSR exits, the interrupt is injected at VM
 *       entry, the guest's handler runs and writes EOI, which exits again.
 * </ul>
 */
public final class VmexitWorkload implements Workload {
  /** A loop of the test. */
  public enum Test {
    CPUID("cpuid"),
    VMCALL("vmcall"),
    SELF_IPI("self-ipi");

    private final String id;

    Test(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    /** The name used in scenario files. */
    @Override
    public String toString() {
      return id;
    }
  }

  /** The hypercall number vmexit.c passes: one KVM does not know. */
  static final long UNKNOWN_HYPERCALL = 0xabcd;

  /** The vector of the self-IPI (vmexit.c's IPI_TEST_VECTOR is 0xb0). */
  static final int SELF_IPI_VECTOR = 0xb0;

  /**
   * @param tests the loops, in order
   * @param iterations iterations of each loop
   * @param loopCycles guest cycles of one iteration besides the exiting instruction (the loop's own
   *     compare, increment and branch)
   */
  public record Params(List<Test> tests, long iterations, long loopCycles) {
    public Params {
      tests = List.copyOf(tests);
      if (tests.isEmpty() || iterations < 1 || loopCycles < 0) {
        throw new IllegalArgumentException("bad vmexit parameters");
      }
    }
  }

  private final Params params;
  private final PerCpu[] cpus;

  private static final class PerCpu {
    int test = -1;
    long issued;
    long loopStart;
    final long[] cycles;

    PerCpu(int tests) {
      cycles = new long[tests];
    }
  }

  /**
   * @param vcpuStats the statistics group of each vCPU ({@code vm0.vcpu3}); results go under {@code
   *     vmexit.<test>}
   */
  public VmexitWorkload(Params params, List<StatGroup> vcpuStats) {
    this.params = params;
    this.cpus = new PerCpu[vcpuStats.size()];
    for (int i = 0; i < cpus.length; i++) {
      PerCpu c = new PerCpu(params.tests().size());
      cpus[i] = c;
      StatGroup g = vcpuStats.get(i).group("vmexit");
      for (int t = 0; t < params.tests().size(); t++) {
        int ti = t;
        String test = params.tests().get(t).id();
        StatGroup tg = g.group(test);
        tg.gauge(
            "iterations", Unit.COUNT, "Iterations of the " + test + " test", params::iterations);
        tg.gauge(
            "cycles",
            Unit.CYCLES,
            "Cycles of all iterations of the " + test + " test",
            () -> c.cycles[ti]);
        tg.formula(
            "cycles_per_iteration",
            Unit.CYCLES.per("iteration"),
            "Mean cycles of an iteration of the " + test + " test",
            () -> (double) c.cycles[ti] / params.iterations());
      }
    }
  }

  @Override
  public void next(Vcpu vcpu, GuestOp op) {
    PerCpu c = cpus[vcpu.index()];
    long now = vcpu.now();
    if (c.test >= 0 && loopFinished(c)) {
      c.cycles[c.test] = now - c.loopStart;
      c.test++;
      c.issued = 0;
      if (c.test == params.tests().size()) {
        op.done();
        return;
      }
      c.loopStart = now;
    } else if (c.test < 0) {
      c.test = 0;
      c.loopStart = now;
    }
    Test t = params.tests().get(c.test);
    switch (t) {
      case CPUID -> {
        // The whole loop is one operation; the vCPU batches it when nothing interferes.
        op.exit(ExitReason.CPUID, params.loopCycles(), params.iterations()).registers(0, 0, 0, 0);
        c.issued = params.iterations();
      }
      case VMCALL -> {
        op.exit(ExitReason.VMCALL, params.loopCycles(), params.iterations())
            .registers(UNKNOWN_HYPERCALL, 0, 0, 0);
        c.issued = params.iterations();
      }
      case SELF_IPI -> {
        op.exit(ExitReason.MSR_WRITE, params.loopCycles(), 1)
            .wrmsr(Msr.X2APIC_SELF_IPI, SELF_IPI_VECTOR);
        c.issued++;
      }
    }
  }

  private boolean loopFinished(PerCpu c) {
    return c.issued >= params.iterations();
  }
}
