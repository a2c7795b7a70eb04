package dev.vsim.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.ExitHandler;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.cpu.vmx.VmExit;
import dev.vsim.guest.workload.Workload;
import org.junit.jupiter.api.Test;

/**
 * Interrupts that arrive at awkward moments: during another's handler (it is injected at the EOI's
 * entry, and the work the first one cut short still resumes), and during a VM entry (it kicks the
 * vCPU out as soon as the entry completes). Timelines derived by hand from the costs below.
 */
class GuestKernelInterruptTest {
  // Exit 300, entry 300, common exit path 200; injection 50; CPUID handler 100; the EOI's MSR
  // write and the kick's EXTERNAL_INTERRUPT cost nothing in their handlers.
  private static final VmxCosts VMX = new VmxCosts(300, 300, 200, 0, 0);
  private static final HypervisorCosts HV =
      new HypervisorCosts(100, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0);
  private static final long WORK = 1_000_000;
  private static final long HANDLER = 400;

  private static final ExitHandler HANDLERS =
      new ExitHandler() {
        @Override
        public long handle(Vcpu v, VmExit exit) {
          return exit.reason() == ExitReason.CPUID ? 100 : 0;
        }

        @Override
        public long handleRepeated(Vcpu v, VmExit exit, long times) {
          return -1; // every exit is handled one by one
        }
      };

  private final EventKernel kernel = new EventKernel();
  private final StatGroup stats = new StatGroup("vcpu0");
  private final Vcpu vcpu = new Vcpu(0, kernel, VMX, HV, stats);
  private final long[] handled = new long[4];
  private int interrupts;

  private void attach(boolean cpuidFirst) {
    Workload w =
        new Workload() {
          int step = cpuidFirst ? 0 : 1;

          @Override
          public void next(Vcpu v, GuestOp op) {
            switch (step++) {
              case 0 -> op.exit(ExitReason.CPUID, 0, 1);
              case 1 -> op.compute(WORK);
              default -> op.done();
            }
          }

          @Override
          public void interruptHandled(Vcpu v, int vector) {
            handled[interrupts++] = v.now();
          }
        };
    vcpu.attach(new GuestKernel(1, w, HANDLER), HANDLERS);
  }

  @Test
  void anInterruptInjectedAtTheEoiEntryLeavesTheCutShortWorkToResume() {
    attach(false);
    kernel.schedule(10_000, (now, a) -> vcpu.postInterrupt(0x40), 0); // kicks the work
    kernel.schedule(11_000, (now, a) -> vcpu.postInterrupt(0x41), 0); // in the first handler
    vcpu.start();
    kernel.run();
    // Kick at 10,000: exit, path and entry with injection, 850; handler 400 to 11,250, where the
    // EOI is written; its exit, path and entry with the second's injection: 850 to 12,100.
    assertEquals(11_250, handled[0]);
    // Handler 400 to 12,500; EOI exit, path and entry to 13,300; the 990,000 cycles of work the
    // kick cut short run to the end.
    assertEquals(12_500, handled[1]);
    assertEquals(13_300 + WORK - 10_000, kernel.now());
    assertEquals(WORK + 2 * HANDLER, stats.snapshot().get("vcpu0.time.guest_cycles"));
  }

  @Test
  void theEndOfASpinDuringTheInterruptHandlerDoesNotShortenTheHandler() {
    boolean[] acked = {false};
    Workload spinner =
        new Workload() {
          @Override
          public void next(Vcpu v, GuestOp op) {
            if (acked[0]) {
              op.done();
            } else {
              op.compute(1L << 40); // busy-waits until stopSpinning
            }
          }

          @Override
          public boolean resumesAfterInterrupt(Vcpu v) {
            return false; // the wait loop looks at its flag again
          }
        };
    vcpu.attach(new GuestKernel(1, spinner, HANDLER), HANDLERS);
    kernel.schedule(10_000, (now, a) -> vcpu.postInterrupt(0x40), 0);
    kernel.schedule(
        11_000,
        (now, a) -> {
          acked[0] = true;
          vcpu.stopSpinning(50); // in the handler (10,850 to 11,250): not the spin
        },
        0);
    vcpu.start();
    kernel.run();
    // The handler runs its 400 cycles to 11,250; the EOI's exit, path and entry to 12,050; the
    // loop then sees its flag and ends.
    assertEquals(12_050, kernel.now());
    assertEquals(10_000 + HANDLER, stats.snapshot().get("vcpu0.time.guest_cycles"));
  }

  @Test
  void anInterruptPostedDuringAnEntryKicksTheVcpuWhenTheEntryCompletes() {
    attach(true);
    // The CPUID exit at 0: exit 300, path 200, handler 100, entry from 600 to 900.
    kernel.schedule(700, (now, a) -> vcpu.postInterrupt(0x40), 0);
    vcpu.start();
    kernel.run();
    // Work starts at 900 and is kicked at once: exit, path, entry with injection to 1,750;
    // handler to 2,150, the EOI; its exit, path and entry to 2,950; then all the work.
    assertEquals(2_150, handled[0]);
    assertEquals(1L, stats.snapshot().get("vcpu0.interrupts.kicks"));
    assertEquals(2_950 + WORK, kernel.now());
  }
}
