package dev.vsim.guest.workload;

import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.guest.GuestServices;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A multithreaded guest process whose threads work on a shared buffer and unmap parts of it now and
 * then (munmap), each unmap a TLB shootdown by the guest kernel ({@link
 * dev.vsim.guest.memory.TlbShootdown}: flush IPIs, or with PV TLB flush the flush-on-entry flag for
 * preempted vCPUs). The process only says what its threads do, through the kernel's {@link
 * GuestServices}: work on records or chunks (memory touches, in user mode, CPL 3), unmap pages,
 * block and wake threads on queues, idle, exit; the kernel runs the shootdowns, wake-ups and the
 * idle loop (CPL 0: KVM's directed yield on a pause-loop exit looks at the level a preempted vCPU
 * was at).
 *
 * <p>The threads are independent (ebizzy's allocate/touch/free, one thread a vCPU) or a {@link
 * DedupPipeline}. An independent thread's record is {@code recordCycles} of work plus the
 * translations of {@code touchesPerRecord} random pages of the buffer (TLBs, walks), and it unmaps
 * a random page every {@code recordsPerUnmap} records. Pipeline threads share the vCPUs under the
 * kernel's scheduler; each works on whole chunks, translating every page, and blocks when its queue
 * is empty or full; a vCPU with no thread to run idles until a reschedule IPI; Compress unmaps each
 * chunk it finishes.
 */
public final class ShootdownWorkload implements Workload {
  /**
   * @param baseAddress where the shared buffer is mapped, with 4 KiB pages
   * @param bufferBytes the shared buffer
   * @param recordCycles guest work of one record besides its translations
   * @param touchesPerRecord random pages of the buffer each record translates
   * @param recordsPerUnmap records between two unmaps (shootdowns) of one thread
   * @param durationCycles how long the threads run
   * @param frequencyHz cycles per second, for rates
   * @param pipeline dedup's pipeline, or null for independent threads (then {@code recordCycles},
   *     {@code touchesPerRecord} and {@code recordsPerUnmap} apply)
   */
  public record Params(
      long baseAddress,
      long bufferBytes,
      long recordCycles,
      int touchesPerRecord,
      long recordsPerUnmap,
      long durationCycles,
      long frequencyHz,
      DedupPipeline.Params pipeline) {}

  private static final int USER = 3;

  private final Params params;
  private final GuestServices kernel;
  private final long[][] touches; // per vCPU: the pages its record touches
  private final SplittableRandom random;
  private final long pages;
  private final long[] sinceUnmap;
  private final long[] unmapping; // per vCPU: first page of its munmap in the kernel, or -1
  private final boolean[] unmapped; // per page, while its shootdown is in flight

  private final Counter records;
  private final Counter pageFaults;

  private final DedupPipeline pipeline; // null: independent threads
  private final int[] held; // per pipeline thread: its chunk, or -1
  private final boolean[] processed; // its stage's work on the chunk is done
  private final boolean[] released; // Compress: the chunk's buffer is unmapped
  private boolean ended; // the threads asleep at the end of the run were woken
  private Counter sleeps;
  private Counter wakeIpis;

  /**
   * @param kernel the guest kernel's services (its TLB shootdown must be on)
   * @param stats the VM's group: results go to {@code shootdown}
   */
  public ShootdownWorkload(
      Params params,
      int vcpuCount,
      GuestServices kernel,
      SplittableRandom random,
      StatGroup stats) {
    this.params = params;
    this.kernel = kernel;
    this.touches = new long[vcpuCount][Math.max(0, params.touchesPerRecord())];
    this.random = random;
    this.pages = params.bufferBytes() >>> 12;
    sinceUnmap = new long[vcpuCount];
    unmapping = new long[vcpuCount];
    Arrays.fill(unmapping, -1);
    unmapped = new boolean[(int) pages];
    for (int i = 0; i < vcpuCount; i++) {
      // Threads start out of step, as they would after their first allocations.
      sinceUnmap[i] = random.nextLong(Math.max(1, params.recordsPerUnmap()));
    }
    StatGroup g = stats.group("shootdown");
    records =
        g.counter(
            "records", Unit.COUNT, "records (ebizzy) or chunks written out (dedup) by the process");
    pageFaults =
        g.counter(
            "page_faults",
            Unit.COUNT,
            "touches of a page another thread was freeing (a guest page fault, skipped)");
    if (params.pipeline() != null) {
      DedupPipeline.Params pp = params.pipeline();
      pipeline = new DedupPipeline(pp, (int) (pages / pp.chunkPages()));
      int threads = pipeline.threads();
      kernel.startThreads(threads, pp.sliceCycles(), pp.contextSwitchCycles());
      held = new int[threads];
      Arrays.fill(held, -1);
      processed = new boolean[threads];
      released = new boolean[threads];
      StatGroup pg = g.group("pipeline");
      sleeps =
          pg.counter("sleeps", Unit.COUNT, "times a pipeline thread blocked on a queue or buffer");
      wakeIpis =
          pg.counter(
              "wakeup_ipis",
              Unit.COUNT,
              "reschedule IPIs sent to wake idle vCPUs for woken threads");
    } else {
      pipeline = null;
      held = null;
      processed = null;
      released = null;
    }
    g.formula(
        "records_per_second",
        Unit.PER_SECOND,
        "records (or chunks) per simulated second",
        () -> kernel.now() == 0 ? 0 : records.value() / seconds(kernel.now()));
  }

  private double seconds(long cycles) {
    return (double) cycles / params.frequencyHz();
  }

  private long address(long page) {
    return params.baseAddress() + (page << 12);
  }

  @Override
  public void next(Vcpu vcpu, GuestOp op) {
    int v = vcpu.index();
    if (unmapping[v] >= 0) {
      // munmap returns: the thread goes on where it was.
      munmapped(v);
      proceed(vcpu, op);
      return;
    }
    if (kernel.now() >= params.durationCycles()) {
      finish(vcpu, op);
      return;
    }
    if (pipeline != null) {
      pipelineStep(vcpu, op);
      return;
    }
    if (sinceUnmap[v] >= params.recordsPerUnmap()) {
      sinceUnmap[v] = 0;
      if (unmapRandomPage(vcpu)) {
        return;
      }
    }
    work(vcpu, op);
  }

  /** The run is over for this vCPU's thread. */
  private void finish(Vcpu vcpu, GuestOp op) {
    if (pipeline != null && !ended) {
      ended = true;
      int woken = kernel.wakeIdleCpus(vcpu);
      if (woken > 0) {
        wakeIpis.add(woken);
        return; // the process ends: its idle vCPUs are woken to finish
      }
    }
    kernel.exit(vcpu);
    op.done();
  }

  /** After an unmap: the next record, or the pipeline thread's next step. */
  private void proceed(Vcpu vcpu, GuestOp op) {
    if (pipeline != null) {
      pipelineStep(vcpu, op);
    } else {
      work(vcpu, op);
    }
  }

  /**
   * Unmaps the pages from {@code first} (a chunk's buffer, or a page) with munmap.
   *
   * @return true if the thread waits in the kernel (the munmap returns at the next call)
   */
  private boolean unmap(Vcpu vcpu, long first, int count) {
    if (kernel.munmap(vcpu, address(first), count)) {
      unmapping[vcpu.index()] = first;
      return true;
    }
    freed(first);
    return false;
  }

  /** The munmap of vCPU {@code v} returned: the pages may be used again. */
  private void munmapped(int v) {
    long first = unmapping[v];
    unmapping[v] = -1;
    freed(first);
  }

  /** The pages unmapped from {@code first} are free: a chunk buffer, or a page for any record. */
  private void freed(long first) {
    if (pipeline != null) {
      pipeline.free((int) (first / pipeline.chunkPages()));
    } else {
      unmapped[(int) first] = false;
    }
  }

  /**
   * The pipeline on this vCPU: wakes the threads its current thread made runnable, and runs that
   * thread until it blocks on a queue (the vCPU then runs another, or idles): take a chunk, work on
   * it, free its buffer (Compress), hand it on.
   */
  private void pipelineStep(Vcpu vcpu, GuestOp op) {
    while (true) {
      if (pipeline.wakeCount() > 0 && wakeThreads(vcpu)) {
        return; // the kernel sends reschedule IPIs first
      }
      int th = kernel.currentThread(vcpu);
      if (th < 0) {
        if (kernel.now() >= params.durationCycles()) {
          finish(vcpu, op); // nobody would wake it
        } else {
          kernel.idle(vcpu, params.durationCycles());
        }
        return;
      }
      int chunk = held[th];
      if (chunk < 0) {
        chunk = pipeline.take(th);
        if (chunk < 0) {
          block(vcpu);
          continue;
        }
        held[th] = chunk;
        processed[th] = false;
        released[th] = false;
        continue; // a producer it made room for is woken first
      }
      if (!processed[th]) {
        processed[th] = true;
        stageWork(vcpu, th, chunk, op);
        return;
      }
      if (pipeline.stage(th) == DedupPipeline.COMPRESS && !released[th]) {
        released[th] = true; // mbuffer_free of the uncompressed data: an unmap
        if (unmap(vcpu, (long) chunk * pipeline.chunkPages(), pipeline.chunkPages())) {
          return;
        }
        continue;
      }
      if (!pipeline.put(th, chunk)) {
        block(vcpu);
        continue;
      }
      if (pipeline.stage(th) == DedupPipeline.REORDER) {
        records.increment();
      }
      held[th] = -1;
      kernel.condResched(vcpu);
    }
  }

  /** The current thread waits (a futex) for a queue or a buffer. */
  private void block(Vcpu vcpu) {
    sleeps.increment();
    kernel.block(vcpu);
  }

  /** Wakes the threads the pipeline woke; true if an idle vCPU needs a reschedule IPI. */
  private boolean wakeThreads(Vcpu vcpu) {
    int ipis = 0;
    for (int i = 0; i < pipeline.wakeCount(); i++) {
      if (kernel.wake(vcpu, pipeline.woken(i))) {
        ipis++;
      }
    }
    pipeline.clearWakes();
    wakeIpis.add(ipis);
    return ipis > 0;
  }

  /**
   * A stage's work on a chunk: its cycles and, but in Reorder, a translation of every page, after
   * the context switch to the thread if there was one.
   */
  private void stageWork(Vcpu vcpu, int th, int chunk, GuestOp op) {
    long cycles = kernel.takeSwitchCycles(vcpu) + pipeline.stageCycles(th);
    vcpu.setCpl(USER);
    int stage = pipeline.stage(th);
    if (stage != DedupPipeline.REORDER) {
      long first = (long) chunk * pipeline.chunkPages();
      boolean write = stage == DedupPipeline.FRAGMENT; // it reads the input into the buffer
      op.touch(cycles, address(first), (long) pipeline.chunkPages() << 12, 1L << 12, write);
      return;
    }
    op.compute(cycles);
  }

  /** One record: its work and its translations, in user mode. */
  private void work(Vcpu vcpu, GuestOp op) {
    int v = vcpu.index();
    vcpu.setCpl(USER);
    long[] at = touches[v];
    for (int i = 0; i < at.length; i++) {
      at[i] = address(random.nextLong(pages));
    }
    records.increment();
    sinceUnmap[v]++;
    op.touchEach(params.recordCycles(), at, at.length, false);
  }

  /** Unmaps a random page; true if the thread waits in the kernel for its shootdown. */
  private boolean unmapRandomPage(Vcpu vcpu) {
    long page = random.nextLong(pages);
    if (unmapped[(int) page]) {
      return false; // another thread is freeing it
    }
    unmapped[(int) page] = true;
    return unmap(vcpu, page, 1);
  }

  /** A page being freed by another thread: the record looks elsewhere (no fault handling). */
  @Override
  public boolean pageFault(Vcpu vcpu, long linear, boolean write) {
    pageFaults.increment();
    return false;
  }
}
