package dev.vsim.guest.workload;

import dev.vsim.cpu.pv.KvmHypercall;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.AddressTranslation;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.guest.apic.IpiSender;
import dev.vsim.guest.memory.GuestMemory;
import dev.vsim.guest.sched.GuestScheduler;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * A multithreaded guest process whose threads work on a shared buffer and unmap parts of it now and
 * then, each unmap a TLB shootdown as Linux does it: clear the PTE, flush the local TLB, send the
 * flush IPI to every other CPU of the mm and busy-wait until each has flushed and acknowledged.
 * With PV TLB flush the initiator reads each target's steal-time area first: a preempted vCPU is
 * not sent an IPI, it gets the flush-on-entry flag instead and the host flushes its TLB before it
 * runs guest code again. Records and stage work run in user mode (CPL 3); unmaps, shootdowns,
 * wake-ups and the idle loop in the guest kernel (CPL 0): KVM's directed yield on a pause-loop exit
 * looks at the level a preempted vCPU was at.
 *
 * <p>The threads are independent (ebizzy's allocate/touch/free, one thread a vCPU) or a {@link
 * DedupPipeline}. An independent thread's record is {@code recordCycles} of work plus the
 * translations of {@code touchesPerRecord} random pages of the buffer (TLBs, walks), and it unmaps
 * a random page every {@code recordsPerUnmap} records. Pipeline threads share the vCPUs under a
 * {@link GuestScheduler}; each works on whole chunks, translating every page, and blocks when its
 * queue is empty or full; a vCPU with no thread to run halts until a reschedule IPI; Compress
 * unmaps each chunk it finishes. Shootdown latency, from the PTE change to the last
 * acknowledgement, goes into a histogram.
 */
public final class ShootdownWorkload implements Workload {
  /** Linux sends flush requests as function-call IPIs (smp_call_function_many). */
  public static final int FLUSH_VECTOR = 0xfb;

  /** Linux's RESCHEDULE_VECTOR: a wake-up sends it to an idle (halted) CPU. */
  public static final int RESCHEDULE_VECTOR = 0xfd;

  /**
   * Linux's tlb_single_page_flush_ceiling: a range of more pages is flushed whole (a CR3 reload)
   * rather than page by page with INVLPG.
   */
  public static final int FLUSH_CEILING = 33;

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
   * @param pipeline dedup's pipeline, or null for independent threads (then {@code recordCycles},
   *     {@code touchesPerRecord} and {@code recordsPerUnmap} apply)
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
      long frequencyHz,
      DedupPipeline.Params pipeline) {}

  private enum Phase {
    WORK,
    SEND,
    YIELD,
    WAIT,
    WAKE, // sending reschedule IPIs to the threads this one woke
    ASLEEP // no pipeline thread to run: the vCPU halts
  }

  private final Params params;
  private final int n;
  private final AddressTranslation[] mmus; // each vCPU's, once it has run
  private final GuestMemory memory;
  private final long[][] touches; // per vCPU: the pages its record touches
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
  private final long[] shootdownPage; // first page of the range being shot down
  private final int[] shootdownPages;
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

  private final DedupPipeline pipeline; // null: independent threads
  private final GuestScheduler scheduler; // the pipeline's threads on the vCPUs
  private final int[] held; // per pipeline thread: its chunk, or -1
  private final boolean[] processed; // its stage's work on the chunk is done
  private final boolean[] released; // Compress: the chunk's buffer is unmapped
  private final int[] lastRan; // per vCPU: the thread it ran last
  private final long[] switchCost; // per vCPU: a context switch its next work pays
  private final boolean[] lazyStale; // idle (lazy TLB) while a shootdown skipped it
  private boolean ended; // the threads asleep at the end of the run were woken
  private Counter lazySkipped;
  private Counter sleeps;
  private Counter wakeIpis;

  /**
   * @param steal each vCPU's steal-time area (read for PV TLB flush)
   * @param check the checking mode: when a shootdown completes, no vCPU that took part may still
   *     cache the page unless it owes a flush on entry
   * @param now the simulated time
   * @param stats the VM's group: results go to {@code shootdown}
   */
  public ShootdownWorkload(
      Params params,
      int vcpuCount,
      GuestMemory memory,
      StealTime[] steal,
      boolean check,
      SplittableRandom random,
      LongSupplier now,
      StatGroup stats) {
    this.params = params;
    this.n = vcpuCount;
    this.mmus = new AddressTranslation[vcpuCount];
    this.memory = memory;
    this.touches = new long[vcpuCount][Math.max(0, params.touchesPerRecord())];
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
    shootdownPages = new int[n];
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
    if (params.pipeline() != null) {
      DedupPipeline.Params pp = params.pipeline();
      pipeline = new DedupPipeline(pp, (int) (pages / pp.chunkPages()));
      int threads = pipeline.threads();
      scheduler = new GuestScheduler(n, threads, pp.sliceCycles());
      held = new int[threads];
      java.util.Arrays.fill(held, -1);
      processed = new boolean[threads];
      released = new boolean[threads];
      lastRan = new int[n];
      java.util.Arrays.fill(lastRan, -1);
      switchCost = new long[n];
      lazyStale = new boolean[n];
      lazySkipped = g.counter("ipis_skipped_lazy");
      StatGroup pg = g.group("pipeline");
      sleeps = pg.counter("sleeps");
      wakeIpis = pg.counter("wakeup_ipis");
    } else {
      pipeline = null;
      scheduler = null;
      lastRan = null;
      switchCost = null;
      held = null;
      processed = null;
      released = null;
      lazyStale = null;
    }
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
    mmus[v] = vcpu.mmu();
    switch (phase[v]) {
      case SEND, WAKE -> emitNext(v, params.sendCycles(), op);
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
          proceed(v, op);
        }
      }
      case ASLEEP -> {
        if (!scheduler.hasRunnable(v) && now.getAsLong() < params.durationCycles()) {
          idle(v, op); // woken by another interrupt (a flush request): still nothing to run
        } else {
          phase[v] = Phase.WORK;
          if (lazyStale[v]) {
            // switch_mm back to the process finds its TLB generation behind: a full flush.
            lazyStale[v] = false;
            mmus[v].flushContext();
          }
          next(vcpu, op);
        }
      }
      case WORK -> {
        if (now.getAsLong() >= params.durationCycles()) {
          finish(v, op);
          return;
        }
        if (pipeline != null) {
          pipelineStep(v, op);
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

  /** The run is over for vCPU {@code v}. */
  private void finish(int v, GuestOp op) {
    if (pipeline != null && !ended) {
      ended = true;
      if (wakeSleepers(v, op)) {
        return; // the process ends: its idle vCPUs are woken to finish
      }
    }
    // The thread exits: it leaves the mm's cpumask, flushing what it still owes.
    vcpus[v] = null;
    if (pipeline != null) {
      scheduler.offline(v);
    }
    flushOwed(v);
    op.done();
  }

  /** After a shootdown: the next record, or the pipeline thread's next step. */
  private void proceed(int v, GuestOp op) {
    if (pipeline != null) {
      pipelineStep(v, op);
    } else {
      work(v, op);
    }
  }

  /**
   * The pipeline on vCPU {@code v}: wakes the threads its current thread made runnable, and runs
   * that thread until it blocks on a queue (the vCPU then runs another, or halts): take a chunk,
   * work on it, free its buffer (Compress), hand it on.
   */
  private void pipelineStep(int v, GuestOp op) {
    while (true) {
      if (pipeline.wakeCount() > 0 && placeWoken(v, op)) {
        return;
      }
      int th = scheduler.current(v);
      if (th < 0) {
        th = scheduler.pickNext(v, now.getAsLong());
        if (th < 0) {
          idle(v, op);
          return;
        }
        if (th != lastRan[v]) {
          switchCost[v] += pipeline.contextSwitchCycles();
          lastRan[v] = th;
        }
      }
      int chunk = held[th];
      if (chunk < 0) {
        chunk = pipeline.take(th);
        if (chunk < 0) {
          block(v);
          continue;
        }
        held[th] = chunk;
        processed[th] = false;
        released[th] = false;
        continue; // a producer it made room for is woken first
      }
      if (!processed[th]) {
        processed[th] = true;
        stageWork(v, th, chunk, op);
        return;
      }
      if (pipeline.stage(th) == DedupPipeline.COMPRESS && !released[th]) {
        released[th] = true; // mbuffer_free of the uncompressed data: an unmap
        if (shootDown(v, (long) chunk * pipeline.chunkPages(), pipeline.chunkPages(), op)) {
          return;
        }
        continue;
      }
      if (!pipeline.put(th, chunk)) {
        block(v);
        continue;
      }
      if (pipeline.stage(th) == DedupPipeline.REORDER) {
        records.increment();
      }
      held[th] = -1;
      scheduler.endOfSlice(v, now.getAsLong());
    }
  }

  /** The current thread of {@code v} waits (a futex) for a queue or a buffer. */
  private void block(int v) {
    sleeps.increment();
    scheduler.block(v);
  }

  /**
   * A stage's work on a chunk on vCPU {@code v}: its cycles and, but in Reorder, a translation of
   * every page, after the context switch to the thread if there was one.
   */
  private void stageWork(int v, int th, int chunk, GuestOp op) {
    long cycles = switchCost[v] + pipeline.stageCycles(th);
    switchCost[v] = 0;
    vcpus[v].setCpl(USER);
    int stage = pipeline.stage(th);
    if (stage != DedupPipeline.REORDER) {
      long first = (long) chunk * pipeline.chunkPages();
      boolean write = stage == DedupPipeline.FRAGMENT; // it reads the input into the buffer
      op.touch(cycles, address(first), (long) pipeline.chunkPages() << 12, 1L << 12, write);
      return;
    }
    op.compute(cycles);
  }

  /** Nothing to run: the vCPU's idle loop halts until an interrupt, or the run is over. */
  private void idle(int v, GuestOp op) {
    if (now.getAsLong() >= params.durationCycles()) {
      phase[v] = Phase.WORK;
      finish(v, op); // nobody would wake it
      return;
    }
    vcpus[v].setCpl(KERNEL);
    phase[v] = Phase.ASLEEP;
    op.exit(ExitReason.HLT, 0, 1);
  }

  /**
   * Queues each thread the pipeline woke on a vCPU and sends a reschedule IPI to those that were
   * idle; false if none needed one.
   */
  private boolean placeWoken(int v, GuestOp op) {
    int count = 0;
    for (int i = 0; i < pipeline.wakeCount(); i++) {
      int cpu = scheduler.wake(pipeline.woken(i));
      if (cpu >= 0 && cpu != v && scheduler.lastWakeFoundIdle() && phase[cpu] == Phase.ASLEEP) {
        destinations[v][count++] = cpu;
      }
    }
    pipeline.clearWakes();
    if (count == 0) {
      return false;
    }
    startWakes(v, count, op);
    return true;
  }

  /** At the end of the run, wakes every idle vCPU so that it finishes; false if none is idle. */
  private boolean wakeSleepers(int v, GuestOp op) {
    int count = 0;
    for (int t = 0; t < n; t++) {
      if (t != v && vcpus[t] != null && phase[t] == Phase.ASLEEP) {
        destinations[v][count++] = t;
      }
    }
    if (count == 0) {
      return false;
    }
    startWakes(v, count, op);
    return true;
  }

  private void startWakes(int v, int count, GuestOp op) {
    vcpus[v].setCpl(KERNEL); // futex wake, in the kernel
    wakeIpis.add(count);
    startSending(v, count, RESCHEDULE_VECTOR, Phase.WAKE, params.sendCycles(), op);
  }

  /**
   * Starts sending {@code vector} to the first {@code count} of {@code v}'s destinations in phase
   * {@code sending} (SEND: flush requests, WAKE: reschedules), the first write after {@code
   * cyclesBefore}.
   */
  private void startSending(
      int v, int count, int vector, Phase sending, long cyclesBefore, GuestOp op) {
    sends[v] = senders[v].prepare(destinations[v], count, vector);
    nextSend[v] = 0;
    phase[v] = sending;
    emitNext(v, cyclesBefore, op);
  }

  /** The next ICR write or hypercall of the IPIs being sent; the phase moves on after the last. */
  private void emitNext(int v, long cyclesBefore, GuestOp op) {
    senders[v].emit(op, nextSend[v]++, cyclesBefore);
    if (nextSend[v] == sends[v]) {
      phase[v] = phase[v] == Phase.WAKE ? Phase.WORK : afterSending();
    }
  }

  /** One record: its work and its translations, in user mode. */
  private void work(int v, GuestOp op) {
    vcpus[v].setCpl(USER);
    long[] at = touches[v];
    for (int i = 0; i < at.length; i++) {
      at[i] = address(random.nextLong(pages));
    }
    records.increment();
    sinceUnmap[v]++;
    op.touchEach(params.recordCycles(), at, at.length, false);
  }

  /** Unmaps a random page and starts its shootdown; returns false if no IPI was needed. */
  private boolean startShootdown(int v, GuestOp op) {
    long page = random.nextLong(pages);
    if (unmapped[(int) page]) {
      return false; // another thread is freeing it
    }
    unmapped[(int) page] = true;
    return shootDown(v, page, 1, op);
  }

  /**
   * Unmaps {@code count} pages from {@code first}, flushes them locally and starts their shootdown
   * (flush_tlb_mm_range); returns false if no other CPU had to be asked.
   */
  private boolean shootDown(int v, long first, int count, GuestOp op) {
    // munmap: the rest of the shootdown (sending, waiting) runs in the guest kernel.
    vcpus[v].setCpl(KERNEL);
    for (int i = 0; i < count; i++) {
      memory.unmap(address(first + i));
    }
    flushRange(v, first, count);
    shootdownPage[v] = first;
    shootdownPages[v] = count;
    shootdownStart[v] = now.getAsLong();
    shootdowns.increment();
    int targets = 0;
    for (int t = 0; t < n; t++) {
      if (t == v || vcpus[t] == null) {
        continue; // only CPUs that have run the mm are in its cpumask
      }
      if (pipeline != null && phase[t] == Phase.ASLEEP) {
        // Its CPU idles in lazy TLB mode: Linux (since 4.19) sends it no IPI, and it flushes when
        // it switches back to the process.
        lazyStale[t] = true;
        lazySkipped.increment();
        continue;
      }
      if (params.pvTlbFlush() && steal[t].requestFlushIfPreempted()) {
        ipisSkipped.increment(); // the host flushes it before it runs again
        continue;
      }
      requests[t][v >>> 6] |= 1L << v;
      destinations[v][targets++] = t;
    }
    acksPending[v] = targets;
    ipisSent.add(targets);
    if (targets == 0) {
      complete(v);
      return false;
    }
    long localFlush = count > FLUSH_CEILING ? params.flushCycles() : count * params.flushCycles();
    startSending(v, targets, FLUSH_VECTOR, Phase.SEND, localFlush + params.sendCycles(), op);
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
      mmu.invlpg(address(first + i));
    }
  }

  private void complete(int v) {
    long first = shootdownPage[v];
    int count = shootdownPages[v];
    latency.recordValue(now.getAsLong() - shootdownStart[v]);
    if (check) {
      for (int t = 0; t < n; t++) {
        boolean owesFlush =
            params.pvTlbFlush() && steal[t].flushRequested() || lazyStale != null && lazyStale[t];
        for (int i = 0; i < count && t != v && !owesFlush; i++) {
          long page = address(first + i);
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
      memory.remap(address(first + i));
    }
    if (pipeline != null) {
      pipeline.free((int) (first / pipeline.chunkPages()));
    } else {
      unmapped[(int) first] = false;
    }
    phase[v] = Phase.WORK;
  }

  /** A page being freed by another thread: the record looks elsewhere (no fault handling). */
  @Override
  public boolean pageFault(Vcpu vcpu, long linear, boolean write) {
    pageFaults.increment();
    return false;
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
        flushRange(t, shootdownPage[s], shootdownPages[s]);
        if (--acksPending[s] == 0 && vcpus[s] != null) {
          vcpus[s].stopSpinning(params.pollCycles());
        }
      }
    }
  }
}
