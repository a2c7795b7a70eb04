package dev.vsim.guest.memory;

import dev.vsim.cpu.pv.KvmHypercall;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.AddressTranslation;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * The guest kernel's TLB shootdown for the process it runs, as Linux's flush_tlb_mm_range does it:
 * the PTEs are cleared, the local TLB flushed (one INVLPG a page, or the whole TLB past {@link
 * #FLUSH_CEILING} pages), and every other CPU of the mm's cpumask is asked to flush with a
 * function-call IPI; the initiator busy-waits until each has flushed and acknowledged. With PV TLB
 * flush the initiator reads each target's steal-time area first: a preempted vCPU is sent no IPI,
 * it gets the flush-on-entry flag instead and the host flushes its TLB before it runs guest code
 * again. A CPU idling in lazy TLB mode is sent no IPI either (Linux since 4.19): it flushes its
 * whole TLB when it switches back to the process. Once the last acknowledgement is in, the range is
 * mapped again onto the same memory (a new mapping needs no shootdown).
 *
 * <p>It decides and keeps the books (who owes which flush, acknowledgements, latency); the guest
 * kernel sends the IPIs and sequences the initiator's operations.
 */
public final class TlbShootdown {
  /**
   * Linux's tlb_single_page_flush_ceiling: a range of more pages is flushed whole (a CR3 reload)
   * rather than page by page with INVLPG.
   */
  public static final int FLUSH_CEILING = 33;

  /** The latency percentiles reported (enough points to draw the CDF). */
  public static final double[] PERCENTILES = {
    1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 99.99
  };

  /** Metric suffix of a percentile: 99.9 → "99_9". */
  public static String label(double p) {
    return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p).replace('.', '_');
  }

  /**
   * @param pvTlbFlush whether the guest uses KVM's PV TLB flush
   * @param pollCycles one round of the initiator's wait loop
   * @param flushCycles a local INVLPG (a whole flush costs as much)
   * @param pvSchedYield after sending, yield to the first preempted destination with
   *     KVM_HC_SCHED_YIELD, as Linux's kvm_smp_send_call_func_ipi does
   * @param frequencyHz cycles per second, for microseconds
   */
  public record Params(
      boolean pvTlbFlush,
      long pollCycles,
      long flushCycles,
      boolean pvSchedYield,
      long frequencyHz) {}

  private static final long SPIN = 1L << 40;

  private final Params params;
  private final int n;
  private final GuestMemory memory;
  private final StealTime[] steal;
  private final boolean check;
  private final LongSupplier now;
  private final Vcpu[] cpumask; // per CPU: its vCPU while it runs the mm
  private final AddressTranslation[] mmus; // each vCPU's, once it has run the mm
  private final boolean[] lazy; // idle in lazy TLB mode
  private final boolean[] lazyStale; // idle (lazy TLB) while a shootdown skipped it
  private final int[] acksPending;
  private final long[] shootdownAddress; // first page of the range being shot down
  private final int[] shootdownPages;
  private final long[] shootdownStart;
  private final long[][] requests; // per target: bit per initiator whose flush it owes

  private final Histogram latency = new Histogram(3);
  private final StatGroup stats;
  private final Counter shootdowns;
  private final Counter ipisSkipped;
  private final Counter ipisSent;
  private final Counter schedYields;
  private Counter lazySkipped;

  /**
   * @param cpus the guest's CPUs
   * @param memory the process's page table
   * @param steal each vCPU's steal-time area (read for PV TLB flush)
   * @param check the checking mode: when a shootdown completes, no vCPU that took part may still
   *     cache a page of it unless it owes a flush on entry or is lazy
   * @param now the simulated time
   * @param stats where its results go ({@code count}, {@code ipis_sent}, {@code latency_us_*}...)
   */
  public TlbShootdown(
      Params params,
      int cpus,
      GuestMemory memory,
      StealTime[] steal,
      boolean check,
      LongSupplier now,
      StatGroup stats) {
    this.params = params;
    this.n = cpus;
    this.memory = memory;
    this.steal = steal;
    this.check = check;
    this.now = now;
    this.stats = stats;
    cpumask = new Vcpu[n];
    mmus = new AddressTranslation[n];
    lazy = new boolean[n];
    lazyStale = new boolean[n];
    acksPending = new int[n];
    shootdownAddress = new long[n];
    shootdownPages = new int[n];
    shootdownStart = new long[n];
    requests = new long[n][(n + 63) >>> 6];
    shootdowns = stats.counter("count", Unit.COUNT, "TLB shootdowns (flush_tlb_mm_range calls)");
    ipisSkipped =
        stats.counter(
            "ipis_skipped_preempted",
            Unit.COUNT,
            "flush IPIs not sent: the target was preempted and flushes on entry (PV TLB flush)");
    ipisSent = stats.counter("ipis_sent", Unit.COUNT, "flush IPIs sent to the mm's other CPUs");
    schedYields =
        stats.counter(
            "sched_yields", Unit.COUNT, "KVM_HC_SCHED_YIELD calls to a preempted flush target");
    for (double p : PERCENTILES) {
      stats.formula(
          "latency_us_p" + label(p),
          Unit.MICROSECONDS,
          "shootdown latency (PTE change to last acknowledgement), percentile " + p,
          () -> micros(latency.getValueAtPercentile(p)));
    }
    stats.formula(
        "latency_us_mean",
        Unit.MICROSECONDS,
        "mean shootdown latency, PTE change to last acknowledgement",
        () -> micros((long) latency.getMean()));
    stats.formula(
        "latency_us_max",
        Unit.MICROSECONDS,
        "longest shootdown latency, PTE change to last acknowledgement",
        () -> micros(latency.getMaxValue()));
    stats.distribution(
        "latency_cycles",
        Unit.CYCLES,
        "shootdown latency, PTE change to last acknowledgement",
        latency);
  }

  /**
   * Starts counting the IPIs lazy TLB mode saves ({@code ipis_skipped_lazy}): the kernel schedules
   * threads, so a CPU may idle.
   */
  public void reportLazySkips() {
    if (lazySkipped == null) {
      lazySkipped =
          stats.counter(
              "ipis_skipped_lazy",
              Unit.COUNT,
              "flush IPIs not sent: the target idled in lazy TLB mode and flushes on switch back");
    }
  }

  public Params params() {
    return params;
  }

  private double micros(long cycles) {
    return cycles * 1e6 / params.frequencyHz();
  }

  /** Shootdown latencies so far, in cycles (a copy). */
  public Histogram latencyHistogram() {
    return latency.copy();
  }

  /** {@code vcpu} runs the mm: it is in its cpumask. */
  public void enter(Vcpu vcpu) {
    int v = vcpu.index();
    cpumask[v] = vcpu;
    mmus[v] = vcpu.mmu();
  }

  /** The mm's thread on {@code cpu} exits: it leaves the cpumask, flushing what it still owes. */
  public void leave(int cpu) {
    cpumask[cpu] = null;
    flushOwed(cpu);
  }

  /** {@code cpu} idles: it keeps the mm loaded in lazy TLB mode. */
  public void enterLazy(int cpu) {
    lazy[cpu] = true;
  }

  /**
   * {@code cpu} switches back to the process: if a shootdown skipped it meanwhile, its TLB
   * generation is behind and it flushes its whole TLB.
   */
  public void leaveLazy(int cpu) {
    lazy[cpu] = false;
    if (lazyStale[cpu]) {
      lazyStale[cpu] = false;
      mmus[cpu].flushContext();
    }
  }

  /** Whether {@code cpu} idles in lazy TLB mode. */
  public boolean isLazy(int cpu) {
    return lazy[cpu];
  }

  /**
   * flush_tlb_mm_range on {@code vcpu}: clears the PTEs of {@code pages} pages from {@code
   * address}, flushes them locally and chooses the CPUs to send the flush IPI, written to {@code
   * destinations} (ascending); with none, the shootdown is complete on return.
   *
   * @return the number of destinations
   */
  public int flushMmRange(Vcpu vcpu, long address, int pages, int[] destinations) {
    int v = vcpu.index();
    for (int i = 0; i < pages; i++) {
      memory.unmap(address + ((long) i << 12));
    }
    flushRange(v, address, pages);
    shootdownAddress[v] = address;
    shootdownPages[v] = pages;
    shootdownStart[v] = now.getAsLong();
    shootdowns.increment();
    int targets = 0;
    for (int t = 0; t < n; t++) {
      if (t == v || cpumask[t] == null) {
        continue; // only CPUs that have run the mm are in its cpumask
      }
      if (lazy[t]) {
        lazyStale[t] = true;
        if (lazySkipped != null) {
          lazySkipped.increment();
        }
        continue;
      }
      if (params.pvTlbFlush() && steal[t].requestFlushIfPreempted()) {
        ipisSkipped.increment(); // the host flushes it before it runs again
        continue;
      }
      requests[t][v >>> 6] |= 1L << v;
      destinations[targets++] = t;
    }
    acksPending[v] = targets;
    ipisSent.add(targets);
    if (targets == 0) {
      complete(v);
    }
    return targets;
  }

  /** The initiator's local flush of {@code pages} pages, in cycles. */
  public long localFlushCycles(int pages) {
    return pages > FLUSH_CEILING ? params.flushCycles() : pages * params.flushCycles();
  }

  /**
   * After sending, with PV sched yield: KVM_HC_SCHED_YIELD to the first destination of {@code
   * vcpu}'s IPI still owing its flush that is preempted.
   *
   * @return whether it was emitted (no destination is preempted otherwise)
   */
  public boolean yieldToPreempted(Vcpu vcpu, GuestOp op) {
    int v = vcpu.index();
    for (int t = 0; t < n; t++) {
      if ((requests[t][v >>> 6] & (1L << v)) != 0 && steal[t].isPreempted()) {
        schedYields.increment();
        op.exit(ExitReason.VMCALL, 0, 1).registers(KvmHypercall.SCHED_YIELD, t, 0, 0);
        return true;
      }
    }
    return false;
  }

  /**
   * One step of {@code vcpu}'s wait for its acknowledgements: a PAUSE loop that exits after the PLE
   * window (KVM may yield to a preempted vCPU), or, without pause-loop exiting, a spin the last
   * acknowledgement ends one poll round later. Once every acknowledgement is in the shootdown
   * completes.
   *
   * @return whether it still waits ({@code op} is filled), false if the shootdown is complete
   */
  public boolean await(Vcpu vcpu, GuestOp op) {
    int v = vcpu.index();
    if (acksPending[v] > 0) {
      long window = vcpu.pleWindowCycles();
      if (window > 0) {
        op.exit(ExitReason.PAUSE, window, 1);
      } else {
        op.compute(SPIN);
      }
      return true;
    }
    complete(v);
    return false;
  }

  /** Acknowledgements {@code cpu}'s shootdown still waits for. */
  public int acksPending(int cpu) {
    return acksPending[cpu];
  }

  private void complete(int v) {
    long first = shootdownAddress[v];
    int count = shootdownPages[v];
    latency.recordValue(now.getAsLong() - shootdownStart[v]);
    if (check) {
      for (int t = 0; t < n; t++) {
        boolean owesFlush = params.pvTlbFlush() && steal[t].flushRequested() || lazyStale[t];
        for (int i = 0; i < count && t != v && !owesFlush; i++) {
          long page = first + ((long) i << 12);
          if (mmus[t] != null && mmus[t].hasCachedTranslation(page)) {
            throw new IllegalStateException(
                "vCPU "
                    + t
                    + " still caches page 0x"
                    + Long.toHexString(page)
                    + " after vCPU "
                    + v
                    + "'s shootdown completed");
          }
        }
      }
    }
    // The freed pages are allocated again (a new mapping needs no shootdown).
    for (int i = 0; i < count; i++) {
      memory.remap(first + ((long) i << 12));
    }
  }

  /**
   * The flush IPI's handler on {@code t}: flushes every range it was asked to and acknowledges each
   * request; an initiator's last acknowledgement ends its spin one poll round later.
   */
  public void flushOwed(int t) {
    long[] owed = requests[t];
    for (int w = 0; w < owed.length; w++) {
      long bits = owed[w];
      owed[w] = 0;
      while (bits != 0) {
        int s = (w << 6) + Long.numberOfTrailingZeros(bits);
        bits &= bits - 1;
        flushRange(t, shootdownAddress[s], shootdownPages[s]);
        if (--acksPending[s] == 0 && cpumask[s] != null) {
          cpumask[s].stopSpinning(params.pollCycles());
        }
      }
    }
  }

  /**
   * Flushes pages of the running context of vCPU {@code t}: one INVLPG each, or the whole TLB past
   * the ceiling, as Linux's flush_tlb_func.
   */
  private void flushRange(int t, long first, int count) {
    AddressTranslation mmu = mmus[t];
    if (count > FLUSH_CEILING) {
      mmu.flushContext();
      return;
    }
    for (int i = 0; i < count; i++) {
      mmu.invlpg(first + ((long) i << 12));
    }
  }
}
