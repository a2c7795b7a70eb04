package dev.vsim.cpu.vmx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.stats.StatGroup;
import org.junit.jupiter.api.Test;

/**
 * A guest busy-waits with PAUSE: each PLE window that runs out is an exit, after which the
 * hypervisor doubles the window; the wait ends, without an exit, once what it waits for arrives.
 */
class VcpuSpinTest {
  private static final VmxCosts VMX = new VmxCosts(300, 300, 200, 0, 0);
  private static final HypervisorCosts HV =
      new HypervisorCosts(100, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0);
  private static final long WINDOW = 4096;
  private static final long NOTICE = 50;

  @Test
  void theWindowDoublesOnEachExitAndTheWaitEndsWhenTheFlagIsSet() {
    EventKernel kernel = new EventKernel();
    StatGroup stats = new StatGroup("vcpu0");
    Vcpu vcpu = new Vcpu(0, kernel, VMX, HV, stats);
    vcpu.setPleWindowCycles(WINDOW);
    boolean[] flag = {false};
    long[] doneAt = {-1};
    vcpu.attach(
        new GuestCode() {
          @Override
          public void next(Vcpu v, GuestOp op) {
            if (!flag[0]) {
              op.exit(ExitReason.PAUSE, v.pleWindowCycles(), 1);
            } else {
              doneAt[0] = v.now();
              op.done();
            }
          }

          @Override
          public void interrupt(Vcpu v, int vector) {}
        },
        new ExitHandler() {
          @Override
          public long handle(Vcpu v, VmExit exit) {
            v.setPleWindowCycles(v.pleWindowCycles() * 2);
            return 0;
          }

          @Override
          public long handleRepeated(Vcpu v, VmExit exit, long times) {
            return -1;
          }
        });
    long exitCost = 300 + 200 + 300;
    // Exits end at 4096+800, then +8192+800, then +16384+800; the flag is set 1,000 cycles into
    // the fourth window (32,768 cycles long).
    long third = WINDOW + exitCost + 2 * WINDOW + exitCost + 4 * WINDOW + exitCost;
    long setAt = third + 1000;
    kernel.schedule(
        setAt,
        (now, a) -> {
          flag[0] = true;
          vcpu.stopSpinning(NOTICE);
        },
        0);
    vcpu.start();
    kernel.run();
    assertEquals(3L, stats.snapshot().get("vcpu0.exits.pause.count"));
    assertEquals(setAt + NOTICE, doneAt[0]);
    assertEquals(8 * WINDOW, vcpu.pleWindowCycles(), "the window of the fourth loop, unused");
  }
}
