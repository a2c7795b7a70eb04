package dev.vsim.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.pv.Msr;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestCode;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * KVM's halt polling: each vCPU's window adapts as kvm_vcpu_halt adapts it, and an IPI to a vCPU
 * that is polling needs no wake-up of its thread, on either side.
 */
class HaltPollingTest {
  @Test
  void theWindowGrowsOnShortHaltsAndShrinksOnLongOnesAsKvmAdaptsIt() {
    HaltPolling p = new HaltPolling(new HaltPolling.Params(200, 2, 10, 2), new StatGroup("kvm"));
    long[][] haltThenWindow = {
      {50, 10}, // short, the window (0) missed it: grows to the start
      {5, 10}, // within the window: unchanged
      {50, 20}, // short, missed: doubles
      {30, 40},
      {150, 80},
      {150, 160},
      {150, 160}, // within
      {199, 200}, // doubled past the maximum: capped when read
      {300, 100}, // longer than the maximum: halves (from the capped 200)
      {300, 50},
      {300, 25},
      {300, 12},
      {300, 0}, // 6 is below the grow start: off
      {300, 0}, // nothing to shrink
    };
    for (long[] step : haltThenWindow) {
      p.ended(0, step[0], 0, true);
      assertEquals(step[1], p.window(0), "after a halt of " + step[0]);
    }
  }

  @Test
  void aShrinkFactorOfZeroResetsTheWindowAndNoMaximumTurnsPollingOff() {
    HaltPolling reset = new HaltPolling(new HaltPolling.Params(200, 2, 10, 0), new StatGroup("k"));
    reset.ended(0, 50, 0, true);
    reset.ended(0, 50, 0, true);
    assertEquals(20, reset.window(0));
    reset.ended(0, 300, 0, true);
    assertEquals(0, reset.window(0));
    HaltPolling off = new HaltPolling(HaltPolling.Params.OFF, new StatGroup("k"));
    off.ended(0, 50, 0, true);
    assertEquals(0, off.window(0));
  }

  private static final int EXIT = 300;
  private static final int ENTRY = 300;
  private static final int DISPATCH = 200;
  private static final int ICR = 300;
  private static final int INJECT = 50;
  private static final int WAKEUP = 1000; // the woken thread's side
  private static final int TTWU = 2000; // the sender's side
  private static final long SEND_AT = 100_000;
  private static final long GAP = 20_000;

  private static final HypervisorCosts COSTS =
      new HypervisorCosts(100, 0, 0, ICR, INJECT, 0, 0, 150, WAKEUP, 0, 0, TTWU);
  private static final VmxCosts VMX = new VmxCosts(EXIT, ENTRY, DISPATCH, 0, 0, 80, 0);

  /**
   * vCPU 0 sends vCPU 1 an IPI at SEND_AT and another GAP later; vCPU 1 halts before each. Returns
   * when vCPU 1's handler ran each time, and the VM's metrics.
   */
  private static Map<String, Number> run(HaltPolling.Params params, long[] handlerAt) {
    EventKernel kernel = new EventKernel();
    StatGroup vm = new StatGroup("vm0");
    KvmVm kvm = new KvmVm(COSTS, vm);
    kvm.setHaltPolling(params);
    long icr = (1L << 32) | 0xfb; // x2APIC physical destination 1
    for (int i = 0; i <= 1; i++) {
      int me = i;
      Vcpu v = new Vcpu(i, kernel, VMX, COSTS, vm.group("vcpu" + i));
      v.attach(
          new GuestCode() {
            int step;
            int interrupts;

            @Override
            public void next(Vcpu vcpu, GuestOp op) {
              int s = step++;
              if (me == 0) {
                switch (s) {
                  case 0 -> op.compute(SEND_AT);
                  case 1, 3 -> op.exit(ExitReason.MSR_WRITE, 0, 1).wrmsr(Msr.X2APIC_ICR, icr);
                  case 2 -> op.compute(GAP);
                  default -> op.done();
                }
              } else if (interrupts < 2) {
                op.exit(ExitReason.HLT, 0, 1);
              } else {
                op.done();
              }
            }

            @Override
            public void interrupt(Vcpu vcpu, int vector) {
              handlerAt[interrupts++] = vcpu.now();
            }
          },
          kvm);
      kvm.addVcpu(v);
      v.start();
    }
    kernel.run();
    return vm.snapshot();
  }

  @Test
  void aVcpuPollingWhenItsIpiComesNeedsNoWakeUpOnEitherSide() {
    long[] off = new long[2];
    long[] on = new long[2];
    Map<String, Number> offStats = run(HaltPolling.Params.OFF, off);
    // The first halt (about SEND_AT) is shorter than the maximum: the window grows to the grow
    // start, which the second halt (about GAP) fits in.
    Map<String, Number> onStats = run(new HaltPolling.Params(1_000_000, 2, 50_000, 2), on);
    // The first halt starts with a window of 0: the thread sleeps either way.
    assertEquals(off[0], on[0]);
    // The second: the sender's handler has no try_to_wake_up to do before the IPI lands, and
    // the target resumes without its thread's wake-up.
    assertEquals(off[1] - TTWU - WAKEUP, on[1]);
    assertEquals(2L, offStats.get("vm0.kvm.apic.halted_wakeups"));
    assertEquals(1L, onStats.get("vm0.kvm.apic.halted_wakeups"));
    assertEquals(1L, onStats.get("vm0.kvm.halt_poll.attempted"));
    assertEquals(1L, onStats.get("vm0.kvm.halt_poll.successful"));
    assertEquals(0L, onStats.get("vm0.kvm.halt_poll.fail_cycles"));
    // It polled from its HLT exit to the IPI's arrival: the IPI lands ENTRY + INJECT before the
    // handler runs; the halt began when the HLT after the first handler had exited (the HLT
    // handler blocks the vCPU as it is called).
    long polled = (on[1] - ENTRY - INJECT) - (on[0] + EXIT);
    assertEquals(polled, onStats.get("vm0.kvm.halt_poll.success_cycles"));
  }

  @Test
  void aPollThatSeesNothingSleepsAtTheEndOfItsWindow() {
    long[] on = new long[2];
    // A window of 5,000 cycles after the first halt (grow start), shorter than the GAP.
    Map<String, Number> m = run(new HaltPolling.Params(1_000_000, 2, 5_000, 2), on);
    assertEquals(2L, m.get("vm0.kvm.apic.halted_wakeups"));
    assertEquals(1L, m.get("vm0.kvm.halt_poll.attempted"));
    assertEquals(0L, m.get("vm0.kvm.halt_poll.successful"));
    assertEquals(5_000L, m.get("vm0.kvm.halt_poll.fail_cycles"));
  }
}
