package dev.vsim.cpu.vmx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.stats.StatGroup;
import org.junit.jupiter.api.Test;

/** An interrupt for a vCPU in the middle of guest work kicks it out, then the work resumes. */
class VcpuKickTest {
  private static final VmxCosts VMX = new VmxCosts(300, 300, 200, 0, 0);
  private static final HypervisorCosts HV =
      new HypervisorCosts(100, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0);
  private static final long WORK = 1_000_000;
  private static final long HANDLER = 400;

  @Test
  void theKickExitsInjectsAndTheGuestFinishesItsWorkAfterTheHandler() {
    EventKernel kernel = new EventKernel();
    StatGroup stats = new StatGroup("vcpu0");
    Vcpu vcpu = new Vcpu(0, kernel, VMX, HV, stats);
    long[] handlerAt = {-1};
    vcpu.attach(
        new GuestCode() {
          long work = WORK;
          boolean inHandler;

          @Override
          public void next(Vcpu v, GuestOp op) {
            if (inHandler) {
              inHandler = false;
              handlerAt[0] = v.now();
              op.compute(HANDLER);
            } else if (work > 0) {
              op.compute(work);
              work = 0;
            } else {
              op.done();
            }
          }

          @Override
          public void interrupt(Vcpu v, int vector) {
            inHandler = true;
            work = v.unfinishedComputeCycles();
          }
        },
        new ExitHandler() {
          @Override
          public long handle(Vcpu v, VmExit exit) {
            assertEquals(ExitReason.EXTERNAL_INTERRUPT, exit.reason());
            return 0;
          }

          @Override
          public long handleRepeated(Vcpu v, VmExit exit, long times) {
            return -1;
          }
        });
    kernel.schedule(10_000, (now, a) -> vcpu.postInterrupt(0x40), 0);
    vcpu.start();
    kernel.run();
    long kick = 300 + 200 + 300 + 50; // exit, dispatch, entry, injection
    assertEquals(10_000 + kick, handlerAt[0]);
    assertEquals(WORK + kick + HANDLER, kernel.now());
    var m = stats.snapshot();
    assertEquals(1L, m.get("vcpu0.exits.external_interrupt.count"));
    assertEquals(1L, m.get("vcpu0.interrupts.kicks"));
    assertEquals(WORK + HANDLER, m.get("vcpu0.time.guest_cycles"));
  }
}
