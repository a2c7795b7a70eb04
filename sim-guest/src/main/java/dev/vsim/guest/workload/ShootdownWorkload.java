package dev.vsim.guest.workload;

import dev.vsim.cpu.pv.KvmHypercall;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.guest.apic.IpiSender;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.walk.Mmu;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * A multithreaded guest process whose threads work on a shared buffer and unmap pages of it now and
 * then (ebizzy's allocate/touch/free, dedup's buffers handed down a pipeline and freed), each unmap
 * a TLB shootdown as Linux does it: clear the PTE, flush the local TLB, send the flush IPI to every
 * other CPU of the mm and busy-wait until each has flushed and acknowledged. With PV TLB flush the
 * initiator reads each target's steal-time area first: a preempted vCPU is not sent an IPI, it gets
 * the flush-on-entry flag instead and the host flushes its TLB before it runs guest code again.
 * Each thread runs on its own vCPU. Records run in user mode (CPL 3), the unmap and its shootdown
 * in the guest kernel (CPL 0): KVM's directed yield on a pause-loop exit looks at the level a
 * preempted vCPU was at.
 *
 * <p>A record is {@code recordCycles} of work plus the translations of {@code touchesPerRecord}
 * random pages of the buffer (TLBs, walks). Shootdown latency, from the PTE change to the last
 * acknowledgement, goes into a histogram.
 */
public final class ShootdownWorkload implements Workload {
  /** Linux sends flush requests as function-call IPIs (smp_call_function_many). */
  public static final int FLUSH_VECTOR = 0xfb;

  /**
   * @param recordCycles guest work of one record besides its translations
   * @param touchesPerRecord random pages of the buffer each record translates
   * @param recordsPerUnmap records between two unmaps (shootdowns) of one thread
   * @param bufferBytes the shared buffer, mapped with 4 KiB pages from {@code baseAddress}
   * @param pvTlbFlush whether the guest uses KVM's PV TLB flush
   * @param sendCycles the APIC driver's cycles around each ICR write or hypercall
   * @param pollCycles one round of the initiator's wait loop
   * @param flushCycles a local INVLPG
   * @param durationCycles how long the threads run
   * @param pvSchedYield after sending, yield to the first preempted destination with
   *     KVM_HC_SCHED_YIELD, as Linux's kvm_smp_send_call_func_ipi does
   * @param frequencyHz cycles per second, for rates and microseconds
   */
  public record Params(
      long baseAddress,
      long bufferBytes,
      long recordCycles,
      int touchesPerRecord,
      long recordsPerUnmap,
      boolean pvTlbFlush,
      IpiSender.Mode mode,
      long sendCycles,
      long pollCycles,
      long flushCycles,
      long durationCycles,
      boolean pvSchedYield,
      long frequencyHz) {}

  private enum Phase {
    WORK,
    SEND,
    YIELD,
    WAIT
  }

  private final Params params;
  private final int n;
  private final List<Mmu> mmus;
  private final PageTable guestTable;
  private final long guestTarget; // guest-physical address of the buffer's first page
  private final StealTime[] steal;
  private final boolean check;
  private final SplittableRandom random;
  private final LongSupplier now;
  private final long pages;

  private static final long SPIN = 1L << 40;
  private static final int KERNEL = 0;
  private static final int USER = 3;

  private final Vcpu[] vcpus;
  private final Phase[] phase;
  private final long[] sinceUnmap;
  private final IpiSender[] senders;
  private final int[][] destinations;
  private final int[] sends;
  private final int[] nextSend;
  private final int[] acksPending;
  private final long[] shootdownPage;
  private final long[] shootdownStart;
  private final long[][] requests; // per target: bit per initiator whose flush it owes
  private final boolean[] unmapped; // per page, while its shootdown is in flight

  private final Histogram latency = new Histogram(3);
  private final Counter records;
  private final Counter shootdowns;
  private final Counter ipisSkipped;
  private final Counter ipisSent;
  private final Counter pageFaults;
  private final Counter schedYields;

  /**
   * @param steal each vCPU's steal-time area (read for PV TLB flush)
   * @param check the checking mode: when a shootdown completes, no vCPU that took part may still
   *     cache the page unless it owes a flush on entry
   * @param now the simulated time
   * @param stats the VM's group: results go to {@code shootdown}
   */
  public ShootdownWorkload(
      Params params,
      List<Mmu> mmus,
      PageTable guestTable,
      long guestTarget,
      StealTime[] steal,
      boolean check,
      SplittableRandom random,
      LongSupplier now,
      StatGroup stats) {
    this.params = params;
    this.n = mmus.size();
    this.mmus = List.copyOf(mmus);
    this.guestTable = guestTable;
    this.guestTarget = guestTarget;
    this.steal = steal;
    this.check = check;
    this.random = random;
    this.now = now;
    this.pages = params.bufferBytes() >>> 12;
    vcpus = new Vcpu[n];
    phase = new Phase[n];
    sinceUnmap = new long[n];
    senders = new IpiSender[n];
    destinations = new int[n][n];
    sends = new int[n];
    nextSend = new int[n];
    acksPending = new int[n];
    shootdownPage = new long[n];
    shootdownStart = new long[n];
    requests = new long[n][(n + 63) >>> 6];
    unmapped = new boolean[(int) pages];
    for (int i = 0; i < n; i++) {
      phase[i] = Phase.WORK;
      senders[i] = new IpiSender(params.mode());
      // Threads start out of step, as they would after their first allocations.
      sinceUnmap[i] = random.nextLong(Math.max(1, params.recordsPerUnmap()));
    }
    StatGroup g = stats.group("shootdown");
    records = g.counter("records");
    shootdowns = g.counter("count");
    ipisSkipped = g.counter("ipis_skipped_preempted");
    ipisSent = g.counter("ipis_sent");
    pageFaults = g.counter("page_faults");
    schedYields = g.counter("sched_yields");
    g.formula(
        "records_per_second",
        () -> now.getAsLong() == 0 ? 0 : records.value() / seconds(now.getAsLong()));
    for (double p : PERCENTILES) {
      g.formula("latency_us_p" + label(p), () -> micros(latency.getValueAtPercentile(p)));
    }
    g.formula("latency_us_mean", () -> micros((long) latency.getMean()));
    g.formula("latency_us_max", () -> micros(latency.getMaxValue()));
  }

  /** The percentiles reported (enough points to draw the CDF). */
  public static final double[] PERCENTILES = {
    1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 99.99
  };

  /** Metric suffix of a percentile: 99.9 → "99_9". */
  public static String label(double p) {
    return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p).replace('.', '_');
  }

  private double seconds(long cycles) {
    return (double) cycles / params.frequencyHz();
  }

  private double micros(long cycles) {
    return cycles * 1e6 / params.frequencyHz();
  }

  /** Shootdown latencies so far, in cycles (a copy). */
  public Histogram latencyHistogram() {
    return latency.copy();
  }

  private long address(long page) {
    return params.baseAddress() + (page << 12);
  }

  @Override
  public void next(Vcpu vcpu, GuestOp op) {
    int v = vcpu.index();
    vcpus[v] = vcpu;
    switch (phase[v]) {
      case SEND -> {
        senders[v].emit(op, nextSend[v]++, params.sendCycles());
        if (nextSend[v] == sends[v]) {
          phase[v] = afterSending();
        }
      }
      case YIELD -> {
        phase[v] = Phase.WAIT;
        int target = firstPreempted(v);
        if (target >= 0) {
          schedYields.increment();
          op.exit(ExitReason.VMCALL, 0, 1).registers(KvmHypercall.SCHED_YIELD, target, 0, 0);
        } else {
          next(vcpu, op);
        }
      }
      case WAIT -> {
        if (acksPending[v] > 0) {
          long window = vcpu.pleWindowCycles();
          if (window > 0) {
            // The PAUSE loop exits after the PLE window; KVM may yield to a preempted vCPU.
            op.exit(ExitReason.PAUSE, window, 1);
          } else {
            // Spin until the last acknowledgement ends it (stopSpinning, one poll round later).
            op.compute(SPIN);
          }
        } else {
          complete(v);
          work(v, op);
        }
      }
      case WORK -> {
        if (now.getAsLong() >= params.durationCycles()) {
          // The thread exits: it leaves the mm's cpumask, flushing what it still owes.
          vcpus[v] = null;
          flushOwed(v);
          op.done();
          return;
        }
        if (sinceUnmap[v] >= params.recordsPerUnmap()) {
          sinceUnmap[v] = 0;
          if (startShootdown(v, op)) {
            return;
          }
        }
        work(v, op);
      }
      default -> throw new IllegalStateException(phase[v].toString());
    }
  }

  /** One record: its work and its translations, in user mode. */
  private void work(int v, GuestOp op) {
    vcpus[v].setCpl(USER);
    Mmu mmu = mmus.get(v);
    long cycles = params.recordCycles();
    for (int i = 0; i < params.touchesPerRecord(); i++) {
      long page = random.nextLong(pages);
      long hpa = mmu.translate(address(page), false);
      cycles += mmu.lastCycles();
      if (hpa == Mmu.FAULT) {
        pageFaults.increment(); // the page is being freed by another thread: it looks elsewhere
      }
    }
    records.increment();
    sinceUnmap[v]++;
    op.compute(cycles);
  }

  /** Unmaps a page and starts its shootdown; returns false if no IPI was needed. */
  private boolean startShootdown(int v, GuestOp op) {
    long page = random.nextLong(pages);
    if (unmapped[(int) page]) {
      return false; // another thread is freeing it
    }
    unmapped[(int) page] = true;
    // munmap: the rest of the shootdown (sending, waiting) runs in the guest kernel.
    vcpus[v].setCpl(KERNEL);
    guestTable.unmap(address(page));
    mmus.get(v).invlpg(address(page));
    shootdownPage[v] = page;
    shootdownStart[v] = now.getAsLong();
    shootdowns.increment();
    int count = 0;
    for (int t = 0; t < n; t++) {
      if (t == v || vcpus[t] == null) {
        continue; // only CPUs that have run the mm are in its cpumask
      }
      if (params.pvTlbFlush() && steal[t].requestFlushIfPreempted()) {
        ipisSkipped.increment(); // the host flushes it before it runs again
        continue;
      }
      requests[t][v >>> 6] |= 1L << v;
      destinations[v][count++] = t;
    }
    acksPending[v] = count;
    ipisSent.add(count);
    if (count == 0) {
      complete(v);
      return false;
    }
    sends[v] = senders[v].prepare(destinations[v], count, FLUSH_VECTOR);
    nextSend[v] = 0;
    phase[v] = Phase.SEND;
    senders[v].emit(op, nextSend[v]++, params.flushCycles() + params.sendCycles());
    if (nextSend[v] == sends[v]) {
      phase[v] = afterSending();
    }
    return true;
  }

  private Phase afterSending() {
    return params.pvSchedYield() ? Phase.YIELD : Phase.WAIT;
  }

  /** The first destination of {@code v}'s IPI still owing its flush that is preempted, or -1. */
  private int firstPreempted(int v) {
    for (int t = 0; t < n; t++) {
      if ((requests[t][v >>> 6] & (1L << v)) != 0 && steal[t].isPreempted()) {
        return t;
      }
    }
    return -1;
  }

  private void complete(int v) {
    long page = shootdownPage[v];
    latency.recordValue(now.getAsLong() - shootdownStart[v]);
    if (check) {
      for (int t = 0; t < n; t++) {
        boolean owesFlush = params.pvTlbFlush() && steal[t].flushRequested();
        if (t != v && !owesFlush && mmus.get(t).hasCachedTranslation(address(page))) {
          throw new IllegalStateException(
              "vCPU "
                  + t
                  + " still caches page 0x"
                  + Long.toHexString(address(page))
                  + " after vCPU "
                  + v
                  + "'s shootdown completed");
        }
      }
    }
    // The freed page is allocated again (a new mapping needs no shootdown).
    guestTable.map(address(page), guestTarget + (page << 12), PageSize.SIZE_4K, true);
    unmapped[(int) page] = false;
    phase[v] = Phase.WORK;
  }

  @Override
  public boolean resumesAfterInterrupt(Vcpu vcpu) {
    return phase[vcpu.index()] != Phase.WAIT; // the wait loop checks its acknowledgements again
  }

  @Override
  public void interruptHandled(Vcpu vcpu, int vector) {
    if (vector != FLUSH_VECTOR) {
      return;
    }
    flushOwed(vcpu.index());
  }

  /** Flushes every page vCPU {@code t} was asked to and acknowledges each request. */
  private void flushOwed(int t) {
    long[] owed = requests[t];
    for (int w = 0; w < owed.length; w++) {
      long bits = owed[w];
      owed[w] = 0;
      while (bits != 0) {
        int s = (w << 6) + Long.numberOfTrailingZeros(bits);
        bits &= bits - 1;
        mmus.get(t).invlpg(address(shootdownPage[s]));
        if (--acksPending[s] == 0 && vcpus[s] != null) {
          vcpus[s].stopSpinning(params.pollCycles());
        }
      }
    }
  }
}
