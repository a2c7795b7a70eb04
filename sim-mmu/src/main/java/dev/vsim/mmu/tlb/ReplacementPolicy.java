package dev.vsim.mmu.tlb;

/** Chooses which way of a set to evict; one instance serves every set of one structure. */
public interface ReplacementPolicy {
  /** The way just hit or filled. */
  void touch(int set, int way);

  /** The way to evict from a full set. */
  int victim(int set);
}
