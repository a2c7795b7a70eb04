package dev.vsim.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.Vcpu;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * kvm_vcpu_on_spin's candidate rules, against a stand-in for the host's yield_to that records whom
 * it was asked to boost. Every expected order is worked out by hand from the rules.
 */
class VcpuOnSpinTest {
  private static final int N = 8;

  private final List<Vcpu> vcpus = new ArrayList<>();
  private final IntArrayList asked = new IntArrayList(); // targets yield_to was called with
  private IntUnaryOperator result = t -> 1; // yield_to's answer per target
  private VcpuOnSpin onSpin;
  private StatGroup stats;

  /** {@code n} vCPUs of one VM, their statistics under {@code prefix}0, {@code prefix}1... */
  private static List<Vcpu> vcpus(int n, StatGroup stats, String prefix) {
    EventKernel kernel = new EventKernel();
    List<Vcpu> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(
          new Vcpu(
              i,
              kernel,
              new VmxCosts(300, 300, 200, 0, 0),
              new HypervisorCosts(100, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0),
              stats.group(prefix + i)));
    }
    return list;
  }

  @BeforeEach
  void setUp() {
    stats = new StatGroup("ple");
    vcpus.addAll(vcpus(N, stats, "vcpu"));
    onSpin =
        new VcpuOnSpin(
            vcpus,
            (from, to) -> {
              asked.add(to);
              return result.applyAsInt(to);
            },
            true,
            stats);
  }

  /** vCPU {@code v} is preempted while runnable at privilege level {@code cpl}. */
  private void preempt(int v, int cpl) {
    vcpus.get(v).setCpl(cpl);
    onSpin.scheduledOut(v);
  }

  @Test
  void theSearchStartsAfterTheLastBoostedVcpuAndWrapsAround() {
    preempt(2, 0);
    preempt(5, 0);
    preempt(6, 0);
    // last_boosted_vcpu is 0 in a new VM: the search starts at 1 and finds 2.
    assertTrue(onSpin.onSpin(0));
    assertEquals(2, onSpin.lastBoosted());
    onSpin.scheduledIn(2); // the boosted vCPU runs
    // Start at 3: 5 is next, although 2 would be found first from 0.
    assertTrue(onSpin.onSpin(0));
    assertEquals(5, onSpin.lastBoosted());
    onSpin.scheduledIn(5);
    preempt(2, 0);
    // From 6 on: 6 first, although vCPU 7 spins and 2 is ready too.
    assertTrue(onSpin.onSpin(7));
    assertEquals(6, onSpin.lastBoosted());
    onSpin.scheduledIn(6);
    // From 7 on: 7 is not ready, 0 is the spinner itself, wrap around to 2.
    assertTrue(onSpin.onSpin(0));
    assertEquals(IntArrayList.of(2, 5, 6, 2), asked);
  }

  @Test
  void onlyReadyVcpusAreCandidates() {
    // Nobody was preempted or woken: nothing to yield to, and yield_to is never called.
    assertFalse(onSpin.onSpin(0));
    assertTrue(asked.isEmpty());
    preempt(3, 0);
    onSpin.scheduledIn(3); // it ran again: no longer ready
    assertFalse(onSpin.onSpin(0));
    assertTrue(asked.isEmpty());
    assertEquals(2L, stats.snapshot().get("ple.no_yield"));
  }

  @Test
  void withoutPostedInterruptsAPendingInterruptDoesNotMakeAUserModeVcpuACandidate() {
    onSpin =
        new VcpuOnSpin(
            vcpus,
            (from, to) -> {
              asked.add(to);
              return 0;
            },
            false,
            stats.group("no_apicv"));
    preempt(1, 3);
    preempt(2, 0);
    preempt(6, 3);
    vcpus.get(6).postInterrupt(0xfb);
    assertFalse(onSpin.onSpin(0));
    assertEquals(IntArrayList.of(2), asked);
  }

  @Test
  void aVcpuPreemptedInUserModeIsSkippedUnlessAnInterruptIsPendingForIt() {
    preempt(1, 3); // preempted while running user code
    preempt(2, 0); // preempted in the kernel
    onSpin.woken(4); // woken from halt: ready, not preempted
    preempt(6, 3); // in user mode, but an IPI is pending for it
    vcpus.get(6).postInterrupt(0xfb);
    assertFalse(onSpin.isReady(5));
    result = t -> 0; // every yield fails without counting: all candidates are tried in order
    assertFalse(onSpin.onSpin(0));
    assertEquals(IntArrayList.of(2, 4, 6), asked);
  }

  @Test
  void aSpinningCandidateIsEligibleEveryOtherTime() {
    // vCPU 3 spins and yields to 5; its yield takes its pCPU, so it is preempted (in the kernel)
    // inside the handler: in_spin_loop stays set until it runs again.
    preempt(5, 0);
    result =
        t -> {
          if (t == 5) {
            assertTrue(onSpin.inSpinLoop(3), "in_spin_loop is set for the handler's duration");
            vcpus.get(3).preempt();
            preempt(3, 0);
          }
          return 1;
        };
    assertTrue(onSpin.onSpin(3));
    assertTrue(onSpin.inSpinLoop(3));
    onSpin.scheduledIn(5);
    // vCPU 0 spins: 3 is its only candidate. First look: not eligible (dy_eligible was false),
    // and the look toggles dy_eligible.
    result = t -> 1;
    assertFalse(onSpin.onSpin(0));
    assertTrue(asked.equals(IntArrayList.of(5)), "3 was skipped");
    assertTrue(onSpin.dyEligible(3));
    // Second look: eligible; the yield succeeds.
    assertTrue(onSpin.onSpin(0));
    assertEquals(IntArrayList.of(5, 3), asked);
    assertFalse(onSpin.dyEligible(3), "toggled back by the look");
    // 3 runs again: it returns from yield_to and leaves the handler.
    vcpus.get(3).resume();
    onSpin.scheduledIn(3);
    assertFalse(onSpin.inSpinLoop(3));
    assertFalse(onSpin.dyEligible(3));
  }

  @Test
  void theSpinnerLeavesTheHandlerAtOnceWhenItKeepsItsPcpu() {
    preempt(4, 0);
    result =
        t -> {
          assertTrue(onSpin.inSpinLoop(2));
          return 1;
        };
    assertTrue(onSpin.onSpin(2));
    assertFalse(onSpin.inSpinLoop(2));
    assertFalse(onSpin.dyEligible(2));
  }

  @Test
  void theSearchGivesUpAfterThreeYieldsWithNothingToYieldTo() {
    for (int v = 1; v <= 5; v++) {
      preempt(v, 0);
    }
    result = t -> -3; // -ESRCH
    assertFalse(onSpin.onSpin(0));
    assertEquals(IntArrayList.of(1, 2, 3), asked);
    assertEquals(3L, stats.snapshot().get("ple.yield_to_failures"));
    assertEquals(0, onSpin.lastBoosted(), "no yield: last_boosted_vcpu is unchanged");
  }

  @Test
  void aYieldThatFailsForOtherReasonsDoesNotCountAsATry() {
    for (int v = 1; v <= 5; v++) {
      preempt(v, 0);
    }
    result = t -> t == 5 ? 1 : 0; // 1..4 are running by now (switching in)
    assertTrue(onSpin.onSpin(0));
    assertEquals(IntArrayList.of(1, 2, 3, 4, 5), asked);
    assertEquals(5, onSpin.lastBoosted());
  }

  @Test
  void failuresOfBothKindsMix() {
    for (int v = 1; v <= 7; v++) {
      preempt(v, 0);
    }
    // -ESRCH from 1, 3 and 6; 0 from the others: the third -ESRCH ends the search at 6.
    result = t -> t == 1 || t == 3 || t == 6 ? -3 : 0;
    assertFalse(onSpin.onSpin(0));
    assertEquals(IntArrayList.of(1, 2, 3, 4, 5, 6), asked);
  }

  @Test
  void candidatesBeyondSixtyFourVcpusAreFoundInOrder() {
    List<Vcpu> many = vcpus(130, stats, "big");
    IntArrayList order = new IntArrayList();
    int[] success = {-1};
    VcpuOnSpin big =
        new VcpuOnSpin(
            many,
            (from, to) -> {
              order.add(to);
              return to == success[0] ? 1 : 0;
            },
            true,
            stats.group("big"));
    for (int v : new int[] {3, 63, 64, 100, 127, 129}) {
      big.scheduledOut(v);
    }
    big.woken(70);
    // From 1 on, across three words; 64 is the spinner.
    assertFalse(big.onSpin(64));
    assertEquals(IntArrayList.of(3, 63, 70, 100, 127, 129), order);
    // A success at 100 moves the next search's start to 101: 127, 129, then around to 3...
    success[0] = 100;
    order.clear();
    assertTrue(big.onSpin(64));
    success[0] = -1;
    order.clear();
    assertFalse(big.onSpin(64));
    assertEquals(IntArrayList.of(127, 129, 3, 63, 70, 100), order);
  }
}
