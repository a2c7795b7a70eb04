package dev.vsim.hypervisor.vmm;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.cpu.vmx.VmExit;
import java.util.List;

/**
 * The main thread of the kvm selftest {@code demand_paging_test} without {@code -u}: the vCPUs
 * start together and each touches every page of its memory once, every first access a fault KVM
 * handles itself (no userfaultfd, so no exit to user space per page); a vCPU ends its pass with a
 * ucall (GUEST_SYNC, an I/O exit) and its thread records its execution time. When the last one is
 * done the test prints the total time from the start and the overall rate, the pages of every vCPU
 * over that time; then the vCPUs are let go and the guest code ends.
 */
public final class DemandPagingHost implements UserspaceExit, EventHandler {
  private final EventKernel kernel;
  private final List<Vcpu> vcpus;
  private final long userspaceExitCycles;
  private final long hz;
  private final long pagesPerVcpu;
  private final long[] execution;
  private int synced;
  private long total = -1;

  /**
   * @param pagesPerVcpu the guest pages each vCPU touches (its memory over the guest page size)
   * @param userspaceExitCycles a ucall's return from KVM_RUN to the vCPU's thread
   * @param hz cycles per second, for the times in seconds
   * @param stats where the times go ({@code vm0.demand_paging})
   */
  public DemandPagingHost(
      EventKernel kernel,
      List<Vcpu> vcpus,
      long pagesPerVcpu,
      long userspaceExitCycles,
      long hz,
      StatGroup stats) {
    if (pagesPerVcpu <= 0) {
      throw new IllegalArgumentException("each vCPU needs pages to touch");
    }
    this.kernel = kernel;
    this.vcpus = List.copyOf(vcpus);
    this.pagesPerVcpu = pagesPerVcpu;
    this.userspaceExitCycles = userspaceExitCycles;
    this.hz = hz;
    this.execution = new long[this.vcpus.size()];
    for (int i = 0; i < execution.length; i++) {
      int v = i;
      stats
          .group("vcpu" + i)
          .formula(
              "execution_seconds",
              Unit.SECONDS,
              "vCPU " + i + " execution time (as the selftest prints it)",
              () -> (double) execution[v] / hz);
    }
    stats.formula(
        "total_execution_seconds",
        Unit.SECONDS,
        "Total guest execution time (as the selftest prints it)",
        () -> total < 0 ? Double.NaN : (double) total / hz);
    stats.formula(
        "pages_per_second",
        Unit.PER_SECOND,
        "Overall demand paging rate in pages per second (as the selftest prints it)",
        () -> total <= 0 ? Double.NaN : (double) pagesPerVcpu * execution.length * hz / total);
  }

  /** Whether every vCPU finished its pass and was let go. */
  public boolean isFinished() {
    return total >= 0;
  }

  @Override
  public void exited(Vcpu vcpu, VmExit exit) {
    UserspaceExit.requireSync(exit, "demand_paging_test");
    // KVM_RUN returns to the vCPU's thread, which takes its pass's time (from the start, cycle 0).
    kernel.schedule(kernel.now() + userspaceExitCycles, this, vcpu.index());
  }

  @Override
  public void onEvent(long now, long vcpu) {
    execution[(int) vcpu] = now;
    if (++synced < vcpus.size()) {
      return;
    }
    total = now; // the main thread joins the last vCPU thread
    for (Vcpu v : vcpus) {
      v.wake(); // the threads leave KVM_RUN's loop: the guest code is done
    }
  }
}
