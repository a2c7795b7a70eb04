package dev.vsim.guest.workload;

import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.SplittableRandom;

/**
 * Loads from uniformly random 8-byte words of a working set far larger than the caches: the access
 * pattern of seed 002's "cache misses per random access". The vCPU executes the loads as memory
 * touches, in chunks: every load is translated by its MMU (TLBs, paging-structure caches, walk) and
 * its line priced by its cache hierarchy, and a chunk's cycles are the exact sum of its loads'.
 */
public final class RandomAccessWorkload implements Workload {
  private static final int CHUNK = 4096;

  /**
   * @param baseAddress first guest-virtual address of the working set
   * @param workingSetBytes size of the working set
   * @param warmupAccesses loads before measuring (fill TLBs, caches and PSCs)
   * @param accesses measured loads
   * @param writes whether the accesses are stores (sets dirty bits)
   */
  public record Params(
      long baseAddress, long workingSetBytes, long warmupAccesses, long accesses, boolean writes) {}

  private final Params params;
  private final SplittableRandom random;
  private final long[] addresses = new long[CHUNK];
  private Vcpu vcpu; // the one vCPU it runs on
  private long done;
  private boolean measuring;
  // The vCPU's touch and walk totals when measuring began.
  private long walkReferencesAtStart;
  private long translationCyclesAtStart;
  private long dataCyclesAtStart;
  private long dataDramAtStart;
  private long walksAtStart;
  private long walkDramAtStart;

  public RandomAccessWorkload(Params params, SplittableRandom random, StatGroup stats) {
    this.params = params;
    this.random = random;
    StatGroup g = stats.group("random_access");
    g.gauge("accesses", Unit.COUNT, "Measured random accesses (after the warm-up)", this::measured);
    g.formula(
        "walk_references_per_access",
        Unit.COUNT.per("access"),
        "Page-walk memory references per measured access",
        () -> per(vcpu == null ? 0 : vcpu.touchWalkReferences() - walkReferencesAtStart));
    g.formula(
        "translation_cycles_per_access",
        Unit.CYCLES.per("access"),
        "Cycles spent translating per measured access",
        () -> per(translationCycles()));
    g.formula(
        "cycles_per_access",
        Unit.CYCLES.per("access"),
        "Cycles per measured access, translation and data",
        () -> per(translationCycles() + dataCycles()));
    g.formula(
        "walks_per_access",
        Unit.COUNT.per("access"),
        "Page walks per measured access",
        () -> per(vcpu == null ? 0 : vcpu.mmu().walks() - walksAtStart));
    g.formula(
        "translation_llc_misses_per_access",
        Unit.COUNT.per("access"),
        "Page-walk references that missed the LLC, per measured access",
        () -> per(walkDram()));
    g.formula(
        "data_llc_misses_per_access",
        Unit.COUNT.per("access"),
        "Data references that missed the LLC, per measured access",
        () -> per(dataDram()));
    g.formula(
        "llc_misses_per_access",
        Unit.COUNT.per("access"),
        "LLC misses (page walk and data) per measured access",
        () -> per(walkDram() + dataDram()));
  }

  private long translationCycles() {
    return vcpu == null ? 0 : vcpu.touchTranslationCycles() - translationCyclesAtStart;
  }

  private long dataCycles() {
    return vcpu == null ? 0 : vcpu.touchDataCycles() - dataCyclesAtStart;
  }

  private long dataDram() {
    return vcpu == null ? 0 : vcpu.touchDataDramAccesses() - dataDramAtStart;
  }

  private long walkDram() {
    return vcpu == null ? 0 : vcpu.mmu().walkDramReferences() - walkDramAtStart;
  }

  private long measured() {
    return Math.max(0, done - params.warmupAccesses());
  }

  private double per(long total) {
    long n = measured();
    return n == 0 ? 0 : (double) total / n;
  }

  @Override
  public void next(Vcpu v, GuestOp op) {
    vcpu = v;
    long total = params.warmupAccesses() + params.accesses();
    if (done >= total) {
      op.done();
      return;
    }
    if (!measuring && done >= params.warmupAccesses()) {
      // The warm-up's touches are done: measure from here.
      measuring = true;
      walkReferencesAtStart = v.touchWalkReferences();
      translationCyclesAtStart = v.touchTranslationCycles();
      dataCyclesAtStart = v.touchDataCycles();
      dataDramAtStart = v.touchDataDramAccesses();
      walksAtStart = v.mmu().walks();
      walkDramAtStart = v.mmu().walkDramReferences();
    }
    long end = Math.min(total, done + CHUNK);
    if (done < params.warmupAccesses()) {
      end = Math.min(end, params.warmupAccesses());
    }
    int n = (int) (end - done);
    long words = params.workingSetBytes() >>> 3;
    for (int i = 0; i < n; i++) {
      addresses[i] = params.baseAddress() + (random.nextLong(words) << 3);
    }
    done = end;
    op.touchEach(0, addresses, n, params.writes()).pricedThroughCaches();
  }
}
