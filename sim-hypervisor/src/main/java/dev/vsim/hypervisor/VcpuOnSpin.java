package dev.vsim.hypervisor;

import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.List;

/**
 * KVM's {@code kvm_vcpu_on_spin} for one VM: what a pause-loop exit does on the host. The spinning
 * vCPU offers its pCPU to another vCPU of its VM that is waiting for one, hoping that it holds what
 * the spinner waits for (a lock, a flush acknowledgement). KVM cannot see that, so it picks by
 * these rules (virt/kvm/kvm_main.c), each marked where it is applied below:
 *
 * <ol>
 *   <li><b>Round robin</b>: candidates are tried in vCPU order starting after {@code
 *       kvm->last_boosted_vcpu}, the last vCPU a yield succeeded to, wrapping around; the spinner
 *       itself is skipped.
 *   <li><b>Ready</b>: only a vCPU with {@code vcpu->ready} set: preempted while runnable ({@code
 *       kvm_sched_out}) or woken from halt ({@code kvm_vcpu_wake_up}), and not scheduled in since
 *       ({@code kvm_sched_in} clears it).
 *   <li><b>Not blocked</b>: a vCPU blocked in halt with nothing that would wake it is skipped
 *       ({@code kvm_vcpu_is_blocking && !vcpu_dy_runnable}).
 *   <li><b>Kernel mode</b>: a pause-loop exit happens at CPL 0, so KVM asks for a vCPU preempted in
 *       kernel mode ({@code yield_to_kernel_mode}): a vCPU preempted at CPL 3 is skipped ({@code
 *       kvm_arch_vcpu_preempted_in_kernel}). With APICv (posted interrupts), one with an interrupt
 *       pending is still a candidate ({@code kvm_arch_dy_has_pending_interrupt}, since Linux 5.3):
 *       the IPI waits in its posted-interrupt descriptor, and the spinner may well be waiting for
 *       it to be handled. Without APICv that test is false. A woken vCPU is not preempted and
 *       passes.
 *   <li><b>Eligibility</b> ({@code kvm_vcpu_eligible_for_directed_yield}): a vCPU that is itself
 *       inside this handler ({@code in_spin_loop}, e.g. descheduled by its own yield) is eligible
 *       only when its {@code dy_eligible} is set, and each check toggles that flag: it is skipped
 *       every other time.
 *   <li><b>Three tries</b>: a {@code yield_to} that finds nothing to yield to ({@code -ESRCH}: both
 *       run queues hold one task) counts as a failed try, and the search stops after three; one
 *       that fails otherwise (the target is running) moves on without counting.
 *   <li><b>The spinner's own flags</b>: {@code in_spin_loop} is set for the duration of the handler
 *       and {@code dy_eligible} cleared at its end. The handler ends when {@code yield_to} returns,
 *       which is when the spinner runs again if its yield took its pCPU.
 * </ol>
 *
 * <p>The ready, preempted and preempted-in-kernel flags are kept as bitmaps, so a search visits
 * only ready vCPUs, in round-robin order, without scanning the others.
 */
public final class VcpuOnSpin {
  /**
   * The host's {@code yield_to} between two vCPUs of the VM (by index), with its result: positive
   * if the target now runs, 0 if it could not be boosted, negative ({@code -ESRCH}) if there was
   * nothing to yield to.
   */
  @FunctionalInterface
  public interface YieldTo {
    int yieldTo(int from, int to);
  }

  private final List<Vcpu> vcpus;
  private final int n;
  private final YieldTo host;
  private final boolean apicv;
  private final long[] ready;
  private final long[] preempted;
  private final long[] preemptedInKernel;
  private final boolean[] inSpinLoop;
  private final boolean[] dyEligible;
  private final boolean[] yieldPending; // its yield took its pCPU: the handler ends when it runs
  private int lastBoosted; // kvm->last_boosted_vcpu, 0 in a new VM
  private final Counter noCandidate;
  private final Counter failedTries;

  /**
   * @param vcpus the VM's vCPUs, by index
   * @param host the host scheduler's yield_to
   * @param apicv whether interrupts are posted (APICv): a user-mode vCPU with one pending is then
   *     still a candidate
   * @param stats the VM's {@code kvm.ple} group
   */
  public VcpuOnSpin(List<Vcpu> vcpus, YieldTo host, boolean apicv, StatGroup stats) {
    this.vcpus = List.copyOf(vcpus);
    this.n = vcpus.size();
    this.host = host;
    this.apicv = apicv;
    int words = (n + 63) >>> 6;
    ready = new long[words];
    preempted = new long[words];
    preemptedInKernel = new long[words];
    inSpinLoop = new boolean[n];
    dyEligible = new boolean[n];
    yieldPending = new boolean[n];
    noCandidate =
        stats.counter(
            "no_yield", Unit.COUNT, "Pause-loop exits after which no vCPU was yielded to");
    failedTries =
        stats.counter("yield_to_failures", Unit.COUNT, "yield_to attempts that failed (-ESRCH)");
  }

  /**
   * kvm_sched_out of a runnable vCPU (preempted, not blocked): it is preempted and ready, in kernel
   * mode if its CPL is 0 ({@code preempted_in_kernel}).
   */
  public void scheduledOut(int v) {
    long bit = 1L << v;
    int w = v >>> 6;
    preempted[w] |= bit;
    ready[w] |= bit;
    if (vcpus.get(v).cpl() == 0) {
      preemptedInKernel[w] |= bit;
    } else {
      preemptedInKernel[w] &= ~bit;
    }
  }

  /** kvm_vcpu_wake_up: a vCPU woken from halt is ready (but was not preempted). */
  public void woken(int v) {
    ready[v >>> 6] |= 1L << v;
  }

  /**
   * kvm_sched_in: the vCPU runs again; a spinner whose yield took its pCPU returns from {@code
   * yield_to} and leaves the handler.
   */
  public void scheduledIn(int v) {
    long bit = ~(1L << v);
    int w = v >>> 6;
    preempted[w] &= bit;
    ready[w] &= bit;
    preemptedInKernel[w] &= bit;
    if (yieldPending[v]) {
      yieldPending[v] = false;
      leaveHandler(v);
    }
  }

  /**
   * The pause-loop exit of vCPU {@code me}: tries to yield to another vCPU of the VM.
   *
   * @return whether a yield succeeded
   */
  public boolean onSpin(int me) {
    // The spinner's flags (rule 7): in the handler from here on.
    inSpinLoop[me] = true;
    boolean yielded = false;
    int tries = 3;
    // Round robin (rule 1): start after the last boosted vCPU and wrap around once.
    int start = lastBoosted + 1 >= n ? 0 : lastBoosted + 1;
    int words = ready.length;
    search:
    for (int k = 0; k <= words; k++) {
      int w = ((start >>> 6) + k) % words;
      long bits = ready[w]; // ready (rule 2)
      if (k == 0) {
        bits &= -1L << (start & 63); // from start to the end of its word
      } else if (k == words) {
        bits &= (start & 63) == 0 ? 0 : -1L >>> (64 - (start & 63)); // the part before start
      }
      while (bits != 0) {
        int idx = (w << 6) + Long.numberOfTrailingZeros(bits);
        bits &= bits - 1;
        if (idx == me) {
          continue;
        }
        Vcpu v = vcpus.get(idx);
        // Not blocked (rule 3): halted with no interrupt that would make it runnable.
        if (v.state() == Vcpu.State.BLOCKED && !v.hasPendingInterrupt()) {
          continue;
        }
        // Kernel mode (rule 4): preempted in user mode, and no posted interrupt pending.
        long bit = 1L << idx;
        if ((preempted[w] & ~preemptedInKernel[w] & bit) != 0
            && !(apicv && v.hasPendingInterrupt())) {
          continue;
        }
        // Eligibility (rule 5).
        if (!eligibleForDirectedYield(idx)) {
          continue;
        }
        int r = host.yieldTo(me, idx);
        if (r > 0) {
          lastBoosted = idx;
          yielded = true;
          break search;
        }
        // Three tries (rule 6): only -ESRCH counts.
        if (r < 0) {
          failedTries.increment();
          if (--tries == 0) {
            break search;
          }
        }
      }
    }
    if (!yielded) {
      noCandidate.increment();
    }
    if (yielded && vcpus.get(me).isPreempted()) {
      yieldPending[me] = true; // descheduled inside yield_to: still in the handler
    } else {
      leaveHandler(me);
    }
    return yielded;
  }

  /** kvm_vcpu_eligible_for_directed_yield: a spinner is eligible every other time it is asked. */
  private boolean eligibleForDirectedYield(int v) {
    boolean eligible = !inSpinLoop[v] || dyEligible[v];
    if (inSpinLoop[v]) {
      dyEligible[v] = !dyEligible[v];
    }
    return eligible;
  }

  private void leaveHandler(int v) {
    inSpinLoop[v] = false;
    // "Ensure vcpu is not eligible during next spinloop."
    dyEligible[v] = false;
  }

  // Queries, for tests and reports.

  /** kvm->last_boosted_vcpu. */
  public int lastBoosted() {
    return lastBoosted;
  }

  public boolean isReady(int v) {
    return (ready[v >>> 6] & (1L << v)) != 0;
  }

  public boolean inSpinLoop(int v) {
    return inSpinLoop[v];
  }

  public boolean dyEligible(int v) {
    return dyEligible[v];
  }
}
