package dev.vsim.hypervisor.memory;

import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.sync.CacheLines;
import dev.vsim.cpu.sync.LineDistance;

/**
 * The VM process's {@code mmap_lock} as the faults use it: get_user_pages' slow path (KVM's
 * hva_to_pfn_slow, for a page the lockless fast path did not find mapped) holds it for read around
 * the host page fault. Readers do not wait for one another, but each down_read and up_read is an
 * atomic add on the semaphore's count, which shares its line with the owner field down_read writes:
 * one line that every faulting core writes twice, and that moves between the cores' caches whenever
 * another core wrote it last. No writer takes it while the modelled runs go on (the VMM maps and
 * unmaps nothing then), so readers never queue behind one.
 */
public final class MmapLock {
  private final CacheLines line;
  private final Counter readAcquisitions;

  /**
   * @param transferCycles moving the line from the core that wrote it last
   * @param stats group for the lock ({@code vm0.host_mm.mmap_lock})
   */
  public MmapLock(long transferCycles, StatGroup stats) {
    this(LineDistance.flat(transferCycles), stats);
  }

  /** A lock whose line moves at a cost by distance between the CPUs. */
  public MmapLock(LineDistance transfer, StatGroup stats) {
    this.line = new CacheLines(1, transfer, stats);
    this.readAcquisitions =
        stats.counter("read_acquisitions", Unit.COUNT, "down_read calls of the faults");
  }

  /**
   * {@code cpu} takes the lock for read at {@code now}.
   *
   * @return the cycle it holds it
   */
  public long readLock(int cpu, long now) {
    readAcquisitions.increment();
    return line.write(0, cpu, now);
  }

  /**
   * {@code cpu} releases its read hold at {@code now}.
   *
   * @return the cycle the release is done
   */
  public long readUnlock(int cpu, long now) {
    return line.write(0, cpu, now);
  }

  /** Times the line moved between cores. */
  public long lineTransfers() {
    return line.transfers();
  }
}
