package dev.vsim.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.pv.KvmHypercall;
import dev.vsim.cpu.pv.Msr;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestCode;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An IPI is delivered by the state of each target, as kvm_vcpu_kick does it: a halted target is
 * woken by the sender's thread, whose handler pays one try_to_wake_up per halted target, one after
 * another; a target running guest code is kicked (an exit), or with APICv sent a posted interrupt
 * (no exit).
 */
class IpiDeliveryTest {
  private static final int EXIT = 300;
  private static final int ENTRY = 300;
  private static final int DISPATCH = 200;
  private static final int ICR = 300;
  private static final int INJECT = 50;
  private static final int PER_DEST = 150;
  private static final int WAKEUP = 1000; // the woken thread's side
  private static final int TTWU = 2000; // the sender's side, per halted target
  private static final int POSTED = 80;
  private static final long SEND_AT = 100_000;

  private static final HypervisorCosts COSTS =
      new HypervisorCosts(100, 0, 0, ICR, INJECT, 0, 0, PER_DEST, WAKEUP, 0, 0, TTWU);
  private static final VmxCosts VMX = new VmxCosts(EXIT, ENTRY, DISPATCH, 0, 0, POSTED, 0);

  /**
   * vCPU 0 sends one IPI to vCPUs 1..4 at SEND_AT; 1..3 halt, 4 runs guest work. Returns the time
   * each target's handler starts and the VM's metrics.
   */
  private static Map<String, Number> run(boolean apicv, boolean pv, long[] handlerAt) {
    EventKernel kernel = new EventKernel();
    StatGroup vm = new StatGroup("vm0");
    KvmVm kvm = new KvmVm(COSTS, vm);
    kvm.setApicv(apicv);
    for (int i = 0; i <= 4; i++) {
      int me = i;
      Vcpu v = new Vcpu(i, kernel, VMX, COSTS, vm.group("vcpu" + i));
      v.attach(
          new GuestCode() {
            int step;

            @Override
            public void next(Vcpu vcpu, GuestOp op) {
              if (handlerAt[me] >= 0) {
                op.done();
              } else if (me == 0 && step++ == 0) {
                op.compute(SEND_AT);
              } else if (me == 0 && step == 2) {
                if (pv) {
                  // Destinations 1..4: bits 0..3 of the bitmap from APIC ID 1.
                  op.exit(ExitReason.VMCALL, 0, 1).registers(KvmHypercall.SEND_IPI, 0xf, 0, 1);
                  op.exit().rsi(0xfb);
                } else {
                  // x2APIC cluster 0, CPUs 1..4 (logical destination mode).
                  long icr = (0x1eL << 32) | KvmVm.ICR_LOGICAL | 0xfb;
                  op.exit(ExitReason.MSR_WRITE, 0, 1).wrmsr(Msr.X2APIC_ICR, icr);
                }
              } else if (me == 0) {
                op.done();
              } else if (me == 4) {
                op.compute(10 * SEND_AT);
              } else {
                op.exit(ExitReason.HLT, 0, 1);
              }
            }

            @Override
            public void interrupt(Vcpu vcpu, int vector) {
              handlerAt[me] = vcpu.now();
            }
          },
          kvm);
      kvm.addVcpu(v);
      v.start();
    }
    handlerAt[0] = -1;
    kernel.run();
    return vm.snapshot();
  }

  @Test
  void theSenderWakesEachHaltedTargetInTurnAndKicksTheRunningOne() {
    long[] at = {-1, -1, -1, -1, -1};
    Map<String, Number> m = run(false, false, at);
    // The ICR handler starts after the exit and dispatch; each destination after the first adds
    // its IRR update and kick, each halted one its try_to_wake_up on the sender.
    long t0 = SEND_AT + EXIT;
    long[] reached = {0, t0 + TTWU, t0 + PER_DEST + 2 * TTWU, t0 + 2 * PER_DEST + 3 * TTWU, 0};
    reached[4] = t0 + 3 * PER_DEST + 3 * TTWU;
    for (int v = 1; v <= 3; v++) {
      // Woken: the thread's own wake-up, then the entry injects the interrupt.
      assertEquals(reached[v] + WAKEUP + ENTRY + INJECT, at[v], "vCPU " + v);
    }
    // Running: kicked out (exit, dispatch), the entry injects.
    assertEquals(reached[4] + EXIT + DISPATCH + ENTRY + INJECT, at[4]);
    assertEquals(1L, m.get("vm0.vcpu4.exits.external_interrupt.count"));
    assertEquals(3L, m.get("vm0.kvm.apic.halted_wakeups"));
    // The sender's round trip: 3 wake-ups and 3 further destinations in its handler.
    long handler = ICR + 3L * PER_DEST + 3L * TTWU;
    assertEquals(EXIT + DISPATCH + handler + ENTRY, m.get("vm0.vcpu0.exits.msr_write.cycles"));
  }

  @Test
  void withApicvTheRunningTargetTakesThePostedInterruptWithoutAnExit() {
    long[] at = {-1, -1, -1, -1, -1};
    Map<String, Number> m = run(true, false, at);
    long t0 = SEND_AT + EXIT;
    assertEquals(t0 + 3 * PER_DEST + 3 * TTWU + POSTED, at[4]);
    assertNull(m.get("vm0.vcpu4.exits.external_interrupt.count"));
    assertEquals(1L, m.get("vm0.vcpu4.interrupts.posted"));
    // Halted targets are woken as without APICv.
    assertEquals(t0 + TTWU + WAKEUP + ENTRY + INJECT, at[1]);
  }

  @Test
  void aPvSendIpiPaysEveryDestinationAndTheSameWakeUps() {
    long[] at = {-1, -1, -1, -1, -1};
    Map<String, Number> m = run(false, true, at);
    long t0 = SEND_AT + EXIT;
    // Every destination costs its IRR update and kick in the hypercall, the first one too.
    assertEquals(t0 + PER_DEST + TTWU + WAKEUP + ENTRY + INJECT, at[1]);
    assertEquals(t0 + 3 * PER_DEST + 3 * TTWU + WAKEUP + ENTRY + INJECT, at[3]);
    assertEquals(3L, m.get("vm0.kvm.apic.halted_wakeups"));
    long handler = 4L * PER_DEST + 3L * TTWU; // vmcallHandlerCycles is 0 here
    assertEquals(EXIT + DISPATCH + handler + ENTRY, m.get("vm0.vcpu0.exits.vmcall.cycles"));
  }
}
