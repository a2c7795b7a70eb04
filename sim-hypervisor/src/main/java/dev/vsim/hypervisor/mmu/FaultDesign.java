package dev.vsim.hypervisor.mmu;

import java.util.Arrays;
import java.util.List;

/**
 * How the hypervisor builds EPT, chosen by name in a scenario: on demand under one MMU lock (the
 * legacy design), on demand in parallel (the TDP MMU), all at once when the memslot is registered
 * (the pre-populated EPT of seed 003), or by each vCPU before the workload starts
 * (KVM_PRE_FAULT_MEMORY).
 */
public enum FaultDesign {
  /** The legacy fault path: the whole handler under the MMU lock taken for write. */
  MMU_LOCK("mmu-lock", LockMode.WRITE, false, false),
  /** The TDP MMU: the MMU lock taken for read, SPTEs installed by compare-exchange. */
  TDP_MMU("tdp-mmu", LockMode.READ, false, false),
  /** EPT built and memory pinned when the memslot is registered: no faults at run time. */
  PREPOPULATED("prepopulated", LockMode.WRITE, true, false),
  /** Each vCPU pre-faults its range through the TDP MMU before the workload starts. */
  PREFAULT("prefault", LockMode.READ, false, true);

  /** How a fault takes the MMU lock. */
  public enum LockMode {
    READ,
    WRITE
  }

  private final String id;
  private final LockMode lockMode;
  private final boolean buildsAtRegistration;
  private final boolean prefaults;

  FaultDesign(String id, LockMode lockMode, boolean buildsAtRegistration, boolean prefaults) {
    this.id = id;
    this.lockMode = lockMode;
    this.buildsAtRegistration = buildsAtRegistration;
    this.prefaults = prefaults;
  }

  public String id() {
    return id;
  }

  /** The lock mode of a fault (and of the dirty-logging write faults of a pre-populated EPT). */
  public LockMode lockMode() {
    return lockMode;
  }

  /** Whether EPT is complete, and guest memory pinned, from memslot registration on. */
  public boolean buildsAtRegistration() {
    return buildsAtRegistration;
  }

  /** Whether vCPUs pre-fault their ranges before the workload starts. */
  public boolean prefaults() {
    return prefaults;
  }

  /** Every design's name, for messages. */
  public static List<String> ids() {
    return Arrays.stream(values()).map(FaultDesign::id).toList();
  }

  /** The design named {@code id}. */
  public static FaultDesign of(String id) {
    for (FaultDesign d : values()) {
      if (d.id.equals(id)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "unknown fault design \"" + id + "\"; use one of " + String.join(", ", ids()));
  }
}
