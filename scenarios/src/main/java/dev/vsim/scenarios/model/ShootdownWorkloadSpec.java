package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.cpu.units.TimeSpan;
import dev.vsim.guest.apic.IpiSender;

/**
 * A multithreaded guest process that unmaps pages of a shared buffer, each unmap a TLB shootdown
 * (seed 001's ebizzy and dedup). The presets set the work per record and how often threads unmap;
 * any field given overrides the preset.
 *
 * @param preset {@code ebizzy} (short records, an unmap every 100) or {@code dedup} (longer chunks
 *     handed down a pipeline, an unmap every 25)
 * @param record guest work of one record
 * @param touchesPerRecord random buffer pages each record translates
 * @param recordsPerUnmap records between two unmaps of one thread
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
    Boolean pvSchedYield)
    implements WorkloadSpec {
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
    record = record == null ? TimeSpan.parse(dedup ? "40us" : "10us") : record;
    touchesPerRecord = touchesPerRecord == null ? 4 : touchesPerRecord;
    if (touchesPerRecord < 0) {
      throw new IllegalArgumentException("touchesPerRecord cannot be negative");
    }
    recordsPerUnmap = recordsPerUnmap == null ? (dedup ? 25L : 100L) : recordsPerUnmap;
    if (recordsPerUnmap < 1) {
      throw new IllegalArgumentException("recordsPerUnmap must be at least 1");
    }
    buffer = buffer == null ? ByteSize.ofMiB(64) : buffer;
    if (buffer.bytes() < 4096 || buffer.bytes() % 4096 != 0) {
      throw new IllegalArgumentException("buffer must be a positive multiple of 4KiB");
    }
    pvTlbFlush = pvTlbFlush != null && pvTlbFlush;
    ipiMode = ipiMode == null ? IpiSender.Mode.CLUSTER : ipiMode;
    duration = duration == null ? TimeSpan.parse("1s") : duration;
    pvSchedYield = pvSchedYield != null && pvSchedYield;
  }
}
