package dev.vsim.cpu.vmx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.stats.StatGroup;
import org.junit.jupiter.api.Test;

/**
 * An exit handler that gives the pCPU away (a directed yield on a PAUSE-loop exit) takes the vCPU's
 * thread off before the handler's cycles are up. The step at the handler's end then waits for the
 * thread if it is still off, and fires at its own time if the thread is back first; the step that
 * comes due while the thread is off is held without an event of its own.
 *
 * <p>Timeline: 20 guest cycles, the exit's 300, the dispatch's 200 and the handler's 100 (the
 * handled step is due at 620), then the entry's 300.
 */
class VcpuYieldTest {
  private static final VmxCosts VMX = new VmxCosts(300, 300, 200, 0, 0, 0, 0);
  private static final HypervisorCosts HV =
      new HypervisorCosts(100, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0);

  /** One CPUID exit whose handler yields the pCPU; the thread runs again at {@code resumeAt}. */
  private static final class Run implements GuestCode, ExitHandler {
    final EventKernel kernel = new EventKernel();
    final StatGroup stats = new StatGroup("vcpu0");
    final Vcpu vcpu = new Vcpu(0, kernel, VMX, HV, stats);
    long resumedGuestAt = -1;
    boolean exited;

    Run(long resumeAt) {
      // Scheduled before anything else: at 620 it comes before the handled step of the same cycle.
      kernel.schedule(resumeAt, (now, a) -> vcpu.resume(), 0);
      vcpu.attach(this, this);
      vcpu.start();
      kernel.run();
    }

    @Override
    public void next(Vcpu v, GuestOp op) {
      if (!exited) {
        exited = true;
        op.exit(ExitReason.CPUID, 20, 1);
        return;
      }
      resumedGuestAt = v.now();
      op.done();
    }

    @Override
    public void interrupt(Vcpu v, int vector) {}

    @Override
    public long handle(Vcpu v, VmExit exit) {
      v.preempt(); // the yield: the thread leaves its pCPU inside the handler
      return 100;
    }

    @Override
    public long handleRepeated(Vcpu v, VmExit exit, long times) {
      return -1;
    }
  }

  @Test
  void backBeforeTheHandlerIsDoneTheEntryStartsAtTheHandlersEnd() {
    Run r = new Run(500);
    assertEquals(620 + 300, r.resumedGuestAt);
    // Start, exit, exited, resume, handled, entered: six events.
    assertEquals(6, r.kernel.eventsFired());
  }

  @Test
  void backAtTheHandlersEndTheEntryStartsThenWhicheverComesFirst() {
    Run r = new Run(620);
    assertEquals(620 + 300, r.resumedGuestAt);
    assertEquals(6, r.kernel.eventsFired());
  }

  @Test
  void stillOffWhenTheHandlerIsDoneTheEntryWaitsForTheThread() {
    Run r = new Run(5_000);
    assertEquals(5_000 + 300, r.resumedGuestAt);
    assertEquals(5_000L - 320, r.stats.snapshot().get("vcpu0.time.preempted_cycles"));
    // The handled step that came due at 620 while the thread was off fires no event: still six.
    assertEquals(6, r.kernel.eventsFired());
  }
}
