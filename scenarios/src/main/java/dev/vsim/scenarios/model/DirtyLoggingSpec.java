package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.TimeSpan;

/**
 * Live migration's dirty logging on the first VM's memory, from the start of its workload: KVM
 * protects the memslot (and splits its huge pages if {@code hypervisor.eagerPageSplit}), tracks
 * writes (by PML's dirty bits if {@code hypervisor.pml}, else by write protection), the migration
 * thread harvests the log at an interval, and when the workload ends logging stops and huge pages
 * come back (the migration failed).
 *
 * @param harvestEvery time between two KVM_GET_DIRTY_LOG calls
 */
public record DirtyLoggingSpec(TimeSpan harvestEvery) {
  public DirtyLoggingSpec {
    harvestEvery = harvestEvery == null ? TimeSpan.parse("100ms") : harvestEvery;
  }
}
