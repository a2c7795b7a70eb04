package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.TimeSpan;
import dev.vsim.hypervisor.mmu.DirtyLogMode;

/**
 * Live migration's dirty logging on the first VM's memory, from the start of its workload: KVM
 * splits huge pages and tracks writes, the migration thread harvests the log at an interval, and
 * when the workload ends logging stops and huge pages come back (the migration failed).
 *
 * @param mode {@code dirty-bit} (hardware dirty bits) or {@code write-protect}
 * @param split {@code eager} (split every huge page when logging starts) or {@code on-write}
 * @param harvestEvery time between two KVM_GET_DIRTY_LOG calls
 */
public record DirtyLoggingSpec(String mode, String split, TimeSpan harvestEvery) {
  public DirtyLoggingSpec {
    mode = mode == null ? DirtyLogMode.DIRTY_BIT.id() : mode;
    if (!mode.equals(DirtyLogMode.DIRTY_BIT.id())
        && !mode.equals(DirtyLogMode.WRITE_PROTECT.id())) {
      throw new IllegalArgumentException(
          "mode \"" + mode + "\" is unknown; use dirty-bit or write-protect");
    }
    split = split == null ? "eager" : split;
    if (!split.equals("eager") && !split.equals("on-write")) {
      throw new IllegalArgumentException(
          "split \"" + split + "\" is unknown; use eager or on-write");
    }
    harvestEvery = harvestEvery == null ? TimeSpan.parse("100ms") : harvestEvery;
  }

  public DirtyLogMode logMode() {
    return DirtyLogMode.of(mode);
  }

  public boolean eager() {
    return split.equals("eager");
  }
}
