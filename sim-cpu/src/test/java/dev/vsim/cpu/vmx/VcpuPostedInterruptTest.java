package dev.vsim.cpu.vmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.pv.Msr;
import dev.vsim.cpu.stats.StatGroup;
import org.junit.jupiter.api.Test;

/**
 * With APICv an interrupt for a vCPU in guest mode is posted (no exit), its EOI is virtualized (no
 * exit); a vCPU preempted in guest mode only has the vector pending, and the external-interrupt
 * exit of its preemption injects it when it runs again.
 */
class VcpuPostedInterruptTest {
  // exit 300, entry 300, dispatch 200, posted-interrupt processing 80, virtualized write 30
  private static final VmxCosts VMX = new VmxCosts(300, 300, 200, 0, 0, 80, 30);
  private static final HypervisorCosts HV = new HypervisorCosts(100, 0, 0, 0, 50, 40, 0, 0, 0, 0);
  private static final long WORK = 1_000_000;
  private static final long HANDLER = 400;

  /** Guest work, then an interrupt's handler (HANDLER cycles, then an EOI write) resumes it. */
  private static final class Guest implements GuestCode {
    long work = WORK;
    int step; // 1: handler body next, 2: EOI next
    long handlerAt = -1;

    @Override
    public void next(Vcpu v, GuestOp op) {
      if (step == 1) {
        step = 2;
        handlerAt = v.now();
        op.compute(HANDLER);
      } else if (step == 2) {
        step = 0;
        op.exit(ExitReason.MSR_WRITE, 0, 1).wrmsr(Msr.X2APIC_EOI, 0);
      } else if (work > 0) {
        op.compute(work);
        work = 0;
      } else {
        op.done();
      }
    }

    @Override
    public void interrupt(Vcpu v, int vector) {
      step = 1;
      work += v.unfinishedComputeCycles();
    }

    @Override
    public boolean acceptsInterrupt(Vcpu v) {
      return step == 0;
    }
  }

  private static final ExitHandler HANDLERS =
      new ExitHandler() {
        @Override
        public long handle(Vcpu v, VmExit exit) {
          return exit.reason() == ExitReason.MSR_WRITE ? 40 : 0;
        }

        @Override
        public long handleRepeated(Vcpu v, VmExit exit, long times) {
          return -1;
        }
      };

  @Test
  void aPostedInterruptToARunningVcpuTakesNoExitAndItsEoiNeither() {
    EventKernel kernel = new EventKernel();
    StatGroup stats = new StatGroup("vcpu0");
    Vcpu vcpu = new Vcpu(0, kernel, VMX, HV, stats);
    Guest g = new Guest();
    vcpu.attach(g, HANDLERS);
    vcpu.setApicVirtualization(true);
    kernel.schedule(10_000, (now, a) -> vcpu.postInterrupt(0x40), 0);
    vcpu.start();
    kernel.run();
    // The notification is processed in guest mode: the handler starts 80 cycles later.
    assertEquals(10_000 + 80, g.handlerAt);
    // Work, posted processing, handler, virtualized EOI: nothing else.
    assertEquals(WORK + 80 + HANDLER + 30, kernel.now());
    var m = stats.snapshot();
    assertNull(m.get("vcpu0.exits.external_interrupt.count"));
    assertNull(m.get("vcpu0.exits.msr_write.count"));
    assertEquals(1L, m.get("vcpu0.interrupts.posted"));
    assertEquals(1L, m.get("vcpu0.interrupts.virtual_apic_writes"));
    assertEquals(0L, m.get("vcpu0.interrupts.kicks"));
    assertEquals(WORK + 80 + HANDLER + 30, m.get("vcpu0.time.guest_cycles"));
  }

  @Test
  void withoutApicvTheSameInterruptKicksAndTheEoiExits() {
    EventKernel kernel = new EventKernel();
    StatGroup stats = new StatGroup("vcpu0");
    Vcpu vcpu = new Vcpu(0, kernel, VMX, HV, stats);
    Guest g = new Guest();
    vcpu.attach(g, HANDLERS);
    kernel.schedule(10_000, (now, a) -> vcpu.postInterrupt(0x40), 0);
    vcpu.start();
    kernel.run();
    long kick = 300 + 200 + 300 + 50; // exit, dispatch, entry, injection
    long eoi = 300 + 200 + 40 + 300;
    assertEquals(10_000 + kick, g.handlerAt);
    assertEquals(WORK + kick + HANDLER + eoi, kernel.now());
    var m = stats.snapshot();
    assertEquals(1L, m.get("vcpu0.exits.external_interrupt.count"));
    assertEquals(1L, m.get("vcpu0.exits.msr_write.count"));
  }

  @Test
  void aPreemptedVcpuOnlyHasTheInterruptPendingUntilItsPreemptionExitInjectsIt() {
    for (boolean apicv : new boolean[] {true, false}) {
      EventKernel kernel = new EventKernel();
      StatGroup stats = new StatGroup("vcpu0");
      Vcpu vcpu = new Vcpu(0, kernel, VMX, HV, stats);
      Guest g = new Guest();
      vcpu.attach(g, HANDLERS);
      vcpu.setApicVirtualization(apicv);
      long off = 50_000;
      kernel.schedule(10_000, (now, a) -> vcpu.preempt(), 0);
      kernel.schedule(20_000, (now, a) -> vcpu.postInterrupt(0x40), 0);
      kernel.schedule(10_000 + off, (now, a) -> vcpu.resume(), 0);
      vcpu.start();
      kernel.run();
      // Nothing happens while it is off; when it runs again it goes through the exit of its
      // preemption (exit, dispatch, entry), whose entry injects the interrupt.
      long preemption = 300 + 200 + 300;
      assertEquals(10_000 + off + preemption + 50, g.handlerAt, "apicv " + apicv);
      long eoi = apicv ? 30 : 300 + 200 + 40 + 300;
      assertEquals(WORK + off + preemption + 50 + HANDLER + eoi, kernel.now(), "apicv " + apicv);
      var m = stats.snapshot();
      assertEquals(1L, m.get("vcpu0.exits.external_interrupt.count"));
      assertEquals(1L, m.get("vcpu0.interrupts.preemption_exits"));
      assertEquals(0L, m.get("vcpu0.interrupts.kicks"));
      assertEquals(0L, m.get("vcpu0.interrupts.posted"));
      assertEquals(1L, m.get("vcpu0.interrupts.injected"));
    }
  }

  @Test
  void aPreemptionWithNothingPendingCostsTheRoundTripAndTheWorkGoesOn() {
    EventKernel kernel = new EventKernel();
    StatGroup stats = new StatGroup("vcpu0");
    Vcpu vcpu = new Vcpu(0, kernel, VMX, HV, stats);
    Guest g = new Guest();
    vcpu.attach(g, HANDLERS);
    kernel.schedule(10_000, (now, a) -> vcpu.preempt(), 0);
    kernel.schedule(30_000, (now, a) -> vcpu.resume(), 0);
    vcpu.start();
    kernel.run();
    assertEquals(WORK + 20_000 + 300 + 200 + 300, kernel.now());
    var m = stats.snapshot();
    assertEquals(1L, m.get("vcpu0.exits.external_interrupt.count"));
    assertEquals(800L, m.get("vcpu0.exits.external_interrupt.cycles"));
    assertEquals(WORK, m.get("vcpu0.time.guest_cycles"));
    assertEquals(20_000L, m.get("vcpu0.time.preempted_cycles"));
  }
}
