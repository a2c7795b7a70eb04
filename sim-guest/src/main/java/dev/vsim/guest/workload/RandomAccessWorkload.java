package dev.vsim.guest.workload;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.mmu.walk.Mmu;
import java.util.SplittableRandom;

/**
 * Loads from uniformly random 8-byte words of a working set far larger than the caches: the access
 * pattern of seed 002's "cache misses per random access". Every load is translated by the vCPU's
 * MMU (TLBs, paging-structure caches, walk) and then priced by the memory hierarchy; the vCPU runs
 * the loads in chunks whose cycles are the exact sum of the loads' costs.
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
  private final java.util.function.LongUnaryOperator check;
  private final Mmu mmu;
  private final MemoryHierarchy memory;
  private final SplittableRandom random;
  private long done;
  private long walkDramAtStart;
  private long dataDram;
  private long walkReferences;
  private long translationCycles;
  private long totalCycles;
  private long walks;
  private long walksAtStart;

  /**
   * @param check when not null, the checking mode: every translation is compared with this
   *     reference (the tables read in software), and a difference stops the run
   */
  public RandomAccessWorkload(
      Params params,
      Mmu mmu,
      MemoryHierarchy memory,
      SplittableRandom random,
      StatGroup stats,
      java.util.function.LongUnaryOperator check) {
    this.params = params;
    this.check = check;
    this.mmu = mmu;
    this.memory = memory;
    this.random = random;
    StatGroup g = stats.group("random_access");
    g.gauge("accesses", () -> measured());
    g.formula("walk_references_per_access", () -> per(walkReferences));
    g.formula("translation_cycles_per_access", () -> per(translationCycles));
    g.formula("cycles_per_access", () -> per(totalCycles));
    g.formula("walks_per_access", () -> per(walks - walksAtStart));
    g.formula(
        "translation_llc_misses_per_access", () -> per(mmu.walkDramReferences() - walkDramAtStart));
    g.formula("data_llc_misses_per_access", () -> per(dataDram));
    g.formula(
        "llc_misses_per_access", () -> per(mmu.walkDramReferences() - walkDramAtStart + dataDram));
  }

  private long measured() {
    return Math.max(0, done - params.warmupAccesses());
  }

  private double per(long total) {
    long n = measured();
    return n == 0 ? 0 : (double) total / n;
  }

  @Override
  public void next(Vcpu vcpu, GuestOp op) {
    long total = params.warmupAccesses() + params.accesses();
    if (done >= total) {
      op.done();
      return;
    }
    long end = Math.min(total, done + CHUNK);
    if (done < params.warmupAccesses()) {
      end = Math.min(end, params.warmupAccesses());
    }
    long cycles = 0;
    long words = params.workingSetBytes() >>> 3;
    for (; done < end; done++) {
      long va = params.baseAddress() + (random.nextLong(words) << 3);
      long hpa = mmu.translate(va, params.writes());
      if (hpa == Mmu.FAULT) {
        throw new IllegalStateException("no mapping for 0x" + Long.toHexString(va));
      }
      if (check != null && check.applyAsLong(va) != hpa) {
        throw new IllegalStateException(
            "check failed: the MMU translated 0x"
                + Long.toHexString(va)
                + " to 0x"
                + Long.toHexString(hpa)
                + " but the tables say 0x"
                + Long.toHexString(check.applyAsLong(va)));
      }
      long t = mmu.lastCycles();
      long d = memory.access(hpa);
      cycles += t + d;
      if (done >= params.warmupAccesses()) {
        walkReferences += mmu.lastReferences();
        translationCycles += t;
        totalCycles += t + d;
        if (memory.lastLevel() == MemoryHierarchy.DRAM) {
          dataDram++;
        }
      }
    }
    if (done == params.warmupAccesses()) {
      walkDramAtStart = mmu.walkDramReferences();
      walksAtStart = mmu.walks();
    }
    walks = mmu.walks();
    op.compute(Math.max(1, cycles));
  }
}
