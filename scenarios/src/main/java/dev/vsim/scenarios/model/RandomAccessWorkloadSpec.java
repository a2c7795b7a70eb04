package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.guest.workload.RandomAccessWorkload;
import dev.vsim.guest.workload.Workload;

/**
 * Loads from random words of a working set far larger than the caches, each translated by the
 * vCPU's MMU: seed 002's "cache misses per random access".
 *
 * @param workingSet bytes touched; defaults to all of the VM's memory
 * @param accesses measured loads
 * @param warmup loads before measuring, to fill TLBs, caches and paging-structure caches
 * @param writes whether the accesses are stores
 */
public record RandomAccessWorkloadSpec(
    ByteSize workingSet, Long accesses, Long warmup, Boolean writes) implements WorkloadSpec {
  public RandomAccessWorkloadSpec {
    accesses = accesses == null ? 1_000_000L : accesses;
    if (accesses < 1) {
      throw new IllegalArgumentException("accesses must be at least 1, got " + accesses);
    }
    warmup = warmup == null ? 200_000L : warmup;
    if (warmup < 0) {
      throw new IllegalArgumentException("warmup cannot be negative, got " + warmup);
    }
    writes = writes != null && writes;
    if (workingSet != null && workingSet.bytes() < 4096) {
      throw new IllegalArgumentException("workingSet must be at least 4KiB, got " + workingSet);
    }
  }

  /** The whole of guest RAM is mapped; the loads go to its first {@code workingSet} bytes. */
  @Override
  public Workload create(WorkloadContext c) {
    long bytes = c.vm().memory().bytes();
    long base = c.memory().map(bytes);
    long set = workingSet == null ? bytes : workingSet.bytes();
    return new RandomAccessWorkload(
        new RandomAccessWorkload.Params(base, set, warmup, accesses, writes),
        c.random("random-access"),
        c.vcpuStats().get(0));
  }

  @Override
  public void checkFits(int vcpus, ByteSize memory) {
    if (vcpus != 1) {
      throw new IllegalArgumentException(
          "vcpus must be 1 for the random-access workload (it measures one core's translations)");
    }
    if (workingSet != null && workingSet.bytes() > memory.bytes()) {
      throw new IllegalArgumentException(
          "workload: its workingSet ("
              + workingSet
              + ") is larger than the VM's memory ("
              + memory
              + ")");
    }
  }

  @Override
  public boolean touchesMemory() {
    return true;
  }

  @Override
  public long mapsUpFront(VmSpec vm) {
    return vm.memory().bytes();
  }
}
