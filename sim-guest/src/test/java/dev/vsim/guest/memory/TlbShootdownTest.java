package dev.vsim.guest.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.pv.KvmHypercall;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.mmu.pagetable.PageSize;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * flush_tlb_mm_range's decisions on four CPUs, CPU 0 the initiator: which CPUs are sent the flush
 * IPI, how each flushes (INVLPG a page up to the ceiling, the whole TLB past it), and the books
 * kept until the last acknowledgement. Expectations derived by hand.
 */
class TlbShootdownTest {
  private static final long INVLPG = 200;
  private static final int CPUS = 4;

  private final EventKernel kernel = new EventKernel();
  private final StatGroup stats = new StatGroup("shootdown");
  private final GuestMemory memory = new GuestMemory(64L << 20, PageSize.SIZE_4K, 4, 32L << 20, 0);
  private final long base = memory.map(1L << 20);
  private final StealTime[] steal = new StealTime[CPUS];
  private final Vcpu[] vcpus = new Vcpu[CPUS];
  private final RecordingTlb[] tlbs = new RecordingTlb[CPUS];
  private final int[] destinations = new int[CPUS];

  TlbShootdownTest() {
    for (int i = 0; i < CPUS; i++) {
      steal[i] = new StealTime();
      vcpus[i] =
          new Vcpu(
              i,
              kernel,
              new VmxCosts(300, 300, 200, 0, 0),
              new HypervisorCosts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
              new StatGroup("vcpu" + i));
      tlbs[i] = new RecordingTlb();
      vcpus[i].setMmu(tlbs[i], null);
    }
  }

  private TlbShootdown shootdown(boolean pv, boolean check) {
    TlbShootdown s =
        new TlbShootdown(
            new TlbShootdown.Params(pv, 50, INVLPG, false, 1_000_000_000L),
            CPUS,
            memory,
            steal,
            check,
            kernel::now,
            stats);
    for (Vcpu v : vcpus) {
      s.enter(v);
    }
    return s;
  }

  private long stat(String name) {
    return stats.snapshot().get("shootdown." + name).longValue();
  }

  private int[] sentTo(int count) {
    return Arrays.copyOf(destinations, count);
  }

  @Test
  void upToTheCeilingEachPageIsFlushedWithInvlpgHereAndOnEveryTarget() {
    TlbShootdown s = shootdown(false, true);
    assertEquals(33, TlbShootdown.FLUSH_CEILING);
    int targets = s.flushMmRange(vcpus[0], base, 33, destinations);
    assertArrayEquals(new int[] {1, 2, 3}, sentTo(targets));
    assertEquals(33, tlbs[0].invlpgs);
    assertEquals(0, tlbs[0].fullFlushes);
    assertEquals(33 * INVLPG, s.localFlushCycles(33));
    assertEquals(-1, memory.physicalOf(base + 32 * 4096), "the PTEs are cleared");
    for (int t = 1; t <= 3; t++) {
      s.flushOwed(t); // the IPI's handler
      assertEquals(33, tlbs[t].invlpgs);
      assertEquals(0, tlbs[t].fullFlushes);
      assertEquals(3 - t, s.acksPending(0));
    }
    s.flushOwed(1);
    assertEquals(33, tlbs[1].invlpgs, "a request is flushed once");
    assertFalse(s.await(vcpus[0], new GuestOp()), "every acknowledgement is in: complete");
    assertEquals(32L * 4096, memory.physicalOf(base + 32 * 4096), "the range is mapped again");
    assertEquals(3, stat("ipis_sent"));
    assertEquals(1, stat("count"));
  }

  @Test
  void pastTheCeilingTheWholeTlbIsFlushedOnceWithACr3Reload() {
    TlbShootdown s = shootdown(false, true);
    int targets = s.flushMmRange(vcpus[0], base, 34, destinations);
    assertEquals(3, targets);
    assertEquals(0, tlbs[0].invlpgs);
    assertEquals(1, tlbs[0].fullFlushes);
    assertEquals(INVLPG, s.localFlushCycles(34));
    for (int t = 1; t <= 3; t++) {
      s.flushOwed(t);
      assertEquals(0, tlbs[t].invlpgs);
      assertEquals(1, tlbs[t].fullFlushes);
    }
    assertFalse(s.await(vcpus[0], new GuestOp()));
  }

  @Test
  void pvTlbFlushSkipsExactlyThePreemptedTargets() {
    steal[1].markPreempted();
    steal[3].markPreempted();
    TlbShootdown s = shootdown(true, true);
    int targets = s.flushMmRange(vcpus[0], base, 1, destinations);
    assertArrayEquals(new int[] {2}, sentTo(targets));
    assertTrue(steal[1].flushRequested() && steal[3].flushRequested(), "flush on entry");
    assertFalse(steal[2].flushRequested());
    assertEquals(2, stat("ipis_skipped_preempted"));
    assertEquals(1, stat("ipis_sent"));
    // The initiator waits for CPU 2 alone; the preempted ones, which still cache the page, owe a
    // flush on entry: the check lets them be.
    GuestOp op = new GuestOp();
    assertTrue(s.await(vcpus[0], op));
    assertEquals(GuestOp.Kind.COMPUTE, op.kind(), "no PLE window: it spins");
    s.flushOwed(2);
    assertEquals(0, tlbs[1].invlpgs);
    assertFalse(s.await(vcpus[0], op));
  }

  @Test
  void withoutPvTlbFlushAPreemptedTargetIsSentTheIpiAndYieldedTo() {
    steal[2].markPreempted();
    TlbShootdown s =
        new TlbShootdown(
            new TlbShootdown.Params(false, 50, INVLPG, true, 1_000_000_000L),
            CPUS,
            memory,
            steal,
            true,
            kernel::now,
            stats);
    for (Vcpu v : vcpus) {
      s.enter(v);
    }
    assertEquals(3, s.flushMmRange(vcpus[0], base, 1, destinations));
    GuestOp op = new GuestOp();
    assertTrue(s.yieldToPreempted(vcpus[0], op));
    assertEquals(ExitReason.VMCALL, op.exit().reason());
    assertEquals(KvmHypercall.SCHED_YIELD, op.exit().rax());
    assertEquals(2, op.exit().rbx(), "the first preempted destination still owing");
    s.flushOwed(2);
    assertFalse(s.yieldToPreempted(vcpus[0], op), "it has flushed: nobody to yield to");
    assertEquals(1, stat("sched_yields"));
  }

  @Test
  void aLazyIdleCpuGetsNoIpiAndFlushesItsWholeTlbWhenItSwitchesBack() {
    TlbShootdown s = shootdown(false, true);
    s.reportLazySkips();
    s.enterLazy(2);
    s.enterLazy(3);
    int targets = s.flushMmRange(vcpus[0], base, 1, destinations);
    assertArrayEquals(new int[] {1}, sentTo(targets));
    assertEquals(2, stat("ipis_skipped_lazy"));
    s.flushOwed(1);
    assertFalse(s.await(vcpus[0], new GuestOp()), "the lazy ones still cache it: allowed");
    assertEquals(0, tlbs[2].invlpgs + tlbs[2].fullFlushes);
    s.leaveLazy(2);
    assertEquals(1, tlbs[2].fullFlushes, "switch_mm finds its TLB generation behind");
    assertEquals(0, tlbs[2].invlpgs);
    s.leaveLazy(2);
    assertEquals(1, tlbs[2].fullFlushes, "once");
    // A CPU that idled while no shootdown skipped it has nothing to flush.
    s.enterLazy(1);
    s.leaveLazy(1);
    assertEquals(0, tlbs[1].fullFlushes);
  }

  @Test
  void theOnlyCpuOfTheMmCompletesAtOnce() {
    TlbShootdown s = shootdown(false, true);
    for (int t = 1; t <= 3; t++) {
      tlbs[t].flushContext(); // it switched to another mm (a CR3 write) when its thread exited
      s.leave(t);
    }
    assertEquals(0, s.flushMmRange(vcpus[0], base, 2, destinations));
    assertEquals(2 * 4096L, memory.physicalOf(base + 2 * 4096), "mapped again at once");
    assertEquals(0, stat("ipis_sent"));
  }

  @Test
  void theCheckFindsATargetThatStillCachesThePage() {
    TlbShootdown s = shootdown(false, true);
    tlbs[3].ignoresFlushes = true;
    s.flushMmRange(vcpus[0], base, 1, destinations);
    s.flushOwed(1);
    s.flushOwed(2);
    s.flushOwed(3);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> s.await(vcpus[0], new GuestOp()));
    assertTrue(e.getMessage().startsWith("vCPU 3 still caches page"), e.getMessage());
  }
}
