package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.cpu.units.TimeSpan;
import dev.vsim.guest.GuestKernel;
import dev.vsim.guest.apic.IpiSender;
import dev.vsim.guest.memory.TlbShootdown;
import dev.vsim.guest.sched.GuestScheduler;
import dev.vsim.guest.workload.DedupPipeline;
import dev.vsim.guest.workload.ShootdownWorkload;
import dev.vsim.guest.workload.Workload;
import java.util.List;

/**
 * A multithreaded guest process that unmaps parts of a shared buffer, each unmap a TLB shootdown
 * (seed 001's ebizzy and dedup). Any field given overrides the preset.
 *
 * @param preset {@code ebizzy} (independent threads: short records, an unmap every 100) or {@code
 *     dedup} (PARSEC dedup's pipeline: chunks mapped by Fragment, read by Refine and Deduplicate,
 *     unmapped by Compress once compressed, written out by Reorder)
 * @param record ebizzy: guest work of one record
 * @param touchesPerRecord ebizzy: random buffer pages each record translates
 * @param recordsPerUnmap ebizzy: records between two unmaps of one thread
 * @param chunk dedup: one chunk buffer (default 64KiB)
 * @param stageWork dedup: the work of Fragment, Refine, Deduplicate, Compress and Reorder on one
 *     chunk, besides translating its pages (default 5us, 150us, 200us, 1ms, 15us: reading at about
 *     13 GB/s, Rabin fingerprints at 430 MB/s, SHA-1 at 330 MB/s, zlib at 65 MB/s, writing at 4
 *     GB/s; assumed single-core rates, not measured, that make Compress about three quarters of the
 *     work as in PARSEC's characterisation of dedup)
 * @param queueDepth dedup: chunks each queue between two stages holds (default 32)
 * @param threads dedup: threads of each middle stage, {@code dedup -t} (default: the VM's vCPUs, as
 *     PARSEC's harness runs it); 3 x threads + 2 guest threads share the vCPUs
 * @param contextSwitch dedup: the guest kernel's switch between two of its threads (default 2us, an
 *     assumed lmbench-like figure for a switch within one process)
 * @param buffer the shared buffer
 * @param pvTlbFlush whether the guest uses KVM's PV TLB flush
 * @param ipiMode how the guest sends IPIs: {@code cluster} (x2APIC default), {@code physical},
 *     {@code pv}
 * @param duration how long the threads run
 * @param pvSchedYield after sending a flush IPI, yield to a preempted destination with the PV
 *     sched-yield hypercall (Linux's kvm_smp_send_call_func_ipi)
 */
public record ShootdownWorkloadSpec(
    String preset,
    TimeSpan record,
    Integer touchesPerRecord,
    Long recordsPerUnmap,
    ByteSize buffer,
    Boolean pvTlbFlush,
    IpiSender.Mode ipiMode,
    TimeSpan duration,
    Boolean pvSchedYield,
    ByteSize chunk,
    List<TimeSpan> stageWork,
    Integer queueDepth,
    Integer threads,
    TimeSpan contextSwitch)
    implements WorkloadSpec {
  /** dedup's default stage work per chunk, in stage order. */
  public static final List<String> DEDUP_STAGE_WORK =
      List.of("5us", "150us", "200us", "1ms", "15us");

  public ShootdownWorkloadSpec {
    preset = preset == null ? "ebizzy" : preset;
    boolean dedup;
    if (preset.equals("ebizzy")) {
      dedup = false;
    } else if (preset.equals("dedup")) {
      dedup = true;
    } else {
      throw new IllegalArgumentException(
          "preset \"" + preset + "\" is unknown; use ebizzy or dedup");
    }
    if (dedup) {
      if (threads != null && threads < 1) {
        throw new IllegalArgumentException("threads must be at least 1");
      }
      contextSwitch = contextSwitch == null ? TimeSpan.parse("2us") : contextSwitch;
      if (record != null || touchesPerRecord != null || recordsPerUnmap != null) {
        throw new IllegalArgumentException(
            "record, touchesPerRecord and recordsPerUnmap are ebizzy's; the dedup pipeline works"
                + " on chunks (chunk, stageWork, queueDepth, threads, contextSwitch)");
      }
      chunk = chunk == null ? ByteSize.ofKiB(64) : chunk;
      if (chunk.bytes() < 4096 || chunk.bytes() % 4096 != 0) {
        throw new IllegalArgumentException("chunk must be a positive multiple of 4KiB");
      }
      stageWork =
          stageWork == null
              ? DEDUP_STAGE_WORK.stream().map(TimeSpan::parse).toList()
              : List.copyOf(stageWork);
      if (stageWork.size() != 5) {
        throw new IllegalArgumentException(
            "stageWork lists the 5 stages: Fragment, Refine, Deduplicate, Compress, Reorder");
      }
      queueDepth = queueDepth == null ? 32 : queueDepth;
      if (queueDepth < 1) {
        throw new IllegalArgumentException("queueDepth must be at least 1");
      }
    } else {
      if (chunk != null
          || stageWork != null
          || queueDepth != null
          || threads != null
          || contextSwitch != null) {
        throw new IllegalArgumentException(
            "chunk, stageWork, queueDepth, threads and contextSwitch are the dedup pipeline's;"
                + " ebizzy's threads work on records (record, touchesPerRecord, recordsPerUnmap)");
      }
      record = record == null ? TimeSpan.parse("10us") : record;
      touchesPerRecord = touchesPerRecord == null ? 4 : touchesPerRecord;
      if (touchesPerRecord < 0) {
        throw new IllegalArgumentException("touchesPerRecord cannot be negative");
      }
      recordsPerUnmap = recordsPerUnmap == null ? 100L : recordsPerUnmap;
      if (recordsPerUnmap < 1) {
        throw new IllegalArgumentException("recordsPerUnmap must be at least 1");
      }
    }
    buffer = buffer == null ? ByteSize.ofMiB(64) : buffer;
    if (buffer.bytes() < 4096 || buffer.bytes() % 4096 != 0) {
      throw new IllegalArgumentException("buffer must be a positive multiple of 4KiB");
    }
    if (dedup && buffer.bytes() < chunk.bytes()) {
      throw new IllegalArgumentException("buffer must hold at least one chunk");
    }
    pvTlbFlush = pvTlbFlush != null && pvTlbFlush;
    ipiMode = ipiMode == null ? IpiSender.Mode.CLUSTER : ipiMode;
    duration = duration == null ? TimeSpan.parse("1s") : duration;
    pvSchedYield = pvSchedYield != null && pvSchedYield;
  }

  @Override
  public void checkFits(int vcpus, ByteSize memory) {
    if (buffer.bytes() > memory.bytes()) {
      throw new IllegalArgumentException(
          "workload: its buffer ("
              + buffer
              + ") is larger than the VM's memory ("
              + memory
              + "); give a smaller \"buffer\" or more \"memory\"");
    }
  }

  /** The buffer is the process's mapping, shared by its threads. */
  @Override
  public Workload create(WorkloadContext c) {
    long hz = c.hz();
    int vcpus = c.vm().vcpus();
    long base = c.memory().map(buffer.bytes());
    DedupPipeline.Params pipeline = null;
    if (stageWork != null) {
      pipeline =
          new DedupPipeline.Params(
              (int) (chunk.bytes() >>> 12),
              stageWork.stream().mapToLong(t -> t.toCycles(hz)).toArray(),
              queueDepth,
              threads == null ? vcpus : threads,
              contextSwitch.toCycles(hz),
              GuestScheduler.minGranularityCycles(vcpus, hz));
    }
    boolean ebizzy = pipeline == null;
    // The guest kernel's side: its APIC driver (100 cycles around each ICR write or hypercall) and
    // its TLB shootdowns (a round of the initiator's wait loop is 50 cycles).
    GuestKernel guest = c.guest();
    guest.enableIpis(ipiMode, 100);
    guest.enableTlbShootdown(
        new TlbShootdown.Params(pvTlbFlush, 50, c.profile().vmx().invlpgCycles(), pvSchedYield, hz),
        c.check(),
        c.stats().group("shootdown"));
    return new ShootdownWorkload(
        new ShootdownWorkload.Params(
            base,
            buffer.bytes(),
            ebizzy ? record.toCycles(hz) : 0,
            ebizzy ? touchesPerRecord : 0,
            ebizzy ? recordsPerUnmap : Long.MAX_VALUE,
            duration.toCycles(hz),
            hz,
            pipeline),
        vcpus,
        guest,
        c.random("shootdown"),
        c.stats());
  }

  @Override
  public boolean touchesMemory() {
    return true;
  }

  @Override
  public long mapsUpFront(VmSpec vm) {
    return buffer.bytes();
  }
}
