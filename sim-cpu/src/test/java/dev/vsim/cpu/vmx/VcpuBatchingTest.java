package dev.vsim.cpu.vmx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.stats.StatGroup;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A batched loop of exits must give what stepping every exit gives, also when an interrupt arrives
 * in the middle of the loop: it is taken at the VM entry that ends the iteration in progress, and
 * the loop resumes afterwards. A vCPU taken off its pCPU by the host scheduler stops where it is,
 * batched or stepped, and goes on when it runs again.
 */
class VcpuBatchingTest {
  private static final VmxCosts VMX = new VmxCosts(300, 300, 200, 0, 0);
  private static final HypervisorCosts HV =
      new HypervisorCosts(100, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0);
  private static final long LOOP = 1000;
  private static final long GUEST_WORK = 20;
  private static final long HANDLER = 400;

  /** Runs CPUID loops, with an interrupt posted at {@code interruptAt} (or never). */
  private static final class Run implements GuestCode, ExitHandler {
    final EventKernel kernel = new EventKernel();
    final StatGroup stats = new StatGroup("vcpu0");
    final Vcpu vcpu = new Vcpu(0, kernel, VMX, HV, stats);
    final LongArrayList interrupts = new LongArrayList();
    long left = LOOP;
    int handlerSteps;

    Run(boolean batching, long interruptAt) {
      this(batching, interruptAt, -1, 0);
    }

    /** Also takes the vCPU off its pCPU at {@code preemptAt} for {@code preemptFor} cycles. */
    Run(boolean batching, long interruptAt, long preemptAt, long preemptFor) {
      if (preemptAt >= 0) {
        kernel.schedule(preemptAt, (now, a) -> vcpu.preempt(), 0);
        kernel.schedule(preemptAt + preemptFor, (now, a) -> vcpu.resume(), 0);
      }
      vcpu.attach(this, this);
      vcpu.setBatching(batching);
      if (interruptAt >= 0) {
        kernel.schedule(interruptAt, (now, a) -> vcpu.postInterrupt(0x30), 0);
      }
      vcpu.start();
      kernel.run();
    }

    @Override
    public void next(Vcpu v, GuestOp op) {
      if (handlerSteps > 0) {
        handlerSteps--;
        op.compute(HANDLER);
        return;
      }
      if (left == 0) {
        op.done();
        return;
      }
      long n = left;
      op.exit(ExitReason.CPUID, GUEST_WORK, n);
      left = 0;
    }

    @Override
    public void interrupt(Vcpu v, int vector) {
      interrupts.add(v.now());
      left += v.unfinishedIterations(); // resume the loop after the handler
      handlerSteps = 1;
    }

    @Override
    public long handle(Vcpu v, VmExit exit) {
      return 100;
    }

    @Override
    public long handleRepeated(Vcpu v, VmExit exit, long times) {
      return 100;
    }

    TreeMap<String, Number> snapshot() {
      return stats.snapshot();
    }
  }

  @Test
  void withoutInterruptsTheLoopCostsIterationsTimesOneRoundTrip() {
    Run r = new Run(true, -1);
    long iteration = GUEST_WORK + 300 + 200 + 100 + 300;
    assertEquals(LOOP * iteration, r.kernel.now());
    assertEquals(LOOP, r.snapshot().get("vcpu0.exits.cpuid.count"));
    assertEquals(LOOP * (300 + 200 + 100 + 300), r.snapshot().get("vcpu0.exits.cpuid.cycles"));
  }

  @Test
  void anInterruptMidLoopIsTakenAtTheSameEntryBatchedOrStepped() {
    long iteration = GUEST_WORK + 300 + 200 + 100 + 300; // 920 cycles
    // Posted while iteration 3 (0-based) is in the guest: injected by the VM entry that ends it
    // (at 4 x 920), the guest's handler starts after the injection's 50 cycles.
    long at = 3 * iteration + 10;
    Run batched = new Run(true, at);
    Run stepped = new Run(false, at);
    assertEquals(LongArrayList.wrap(new long[] {4 * iteration + 50}), stepped.interrupts);
    assertEquals(stepped.interrupts, batched.interrupts);
    TreeMap<String, Number> b = batched.snapshot();
    TreeMap<String, Number> s = stepped.snapshot();
    assertEquals(s, b);
    assertEquals(LOOP, b.get("vcpu0.exits.cpuid.count"));
    assertEquals(1L, b.get("vcpu0.interrupts.injected"));
    // The whole run: the loop, plus the injection and the handler.
    assertEquals(LOOP * iteration + 50 + HANDLER, batched.kernel.now());
    assertEquals(stepped.kernel.now(), batched.kernel.now());
  }

  @Test
  void aPreemptedVcpuDoesNothingAndResumesWhereItStopped() {
    long iteration = GUEST_WORK + 300 + 200 + 100 + 300;
    long off = 12_345;
    for (boolean batching : new boolean[] {true, false}) {
      // Taken off in the middle of iteration 7's exit handling.
      Run r = new Run(batching, -1, 7 * iteration + 400, off);
      assertEquals(LOOP * iteration + off, r.kernel.now(), "batching " + batching);
      assertEquals(LOOP, r.snapshot().get("vcpu0.exits.cpuid.count"));
      assertEquals(off, r.snapshot().get("vcpu0.time.preempted_cycles"));
    }
  }

  @Test
  void anInterruptPostedWhilePreemptedIsTakenAfterTheResumedIteration() {
    long iteration = GUEST_WORK + 300 + 200 + 100 + 300; // 920 cycles
    long off = 5_000;
    long preemptAt = 3 * iteration + 10; // in iteration 3's guest part
    long interruptAt = preemptAt + 100; // while off the pCPU
    Run batched = new Run(true, interruptAt, preemptAt, off);
    Run stepped = new Run(false, interruptAt, preemptAt, off);
    // Preempted in guest mode: an external-interrupt exit (300 + 200 + 300, paid when it runs
    // again); iteration 3 finishes that and `off` later, and its VM entry injects the interrupt.
    long preemption = 300 + 200 + 300;
    assertEquals(
        LongArrayList.wrap(new long[] {4 * iteration + off + preemption + 50}), stepped.interrupts);
    assertEquals(stepped.interrupts, batched.interrupts);
    assertEquals(stepped.snapshot(), batched.snapshot());
    assertEquals(1L, batched.snapshot().get("vcpu0.exits.external_interrupt.count"));
    assertEquals(preemption, batched.snapshot().get("vcpu0.exits.external_interrupt.cycles"));
    assertEquals(LOOP * iteration + off + preemption + 50 + HANDLER, batched.kernel.now());
  }
}
