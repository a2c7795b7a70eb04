package dev.vsim.hypervisor.memory;

import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.sync.CacheLines;
import dev.vsim.cpu.sync.LineDistance;

/**
 * Charging the VM's new pages to its memory cgroup, as mem_cgroup_charge does: a CPU first takes
 * the pages from its per-CPU stock of pre-charged pages; when the stock is short it charges a batch
 * (MEMCG_CHARGE_BATCH, or the folio's size if larger) to the page counters of the cgroup and each
 * ancestor below the root, an atomic add on each counter's line, and keeps what the folio did not
 * use as its new stock. Every faulting thread of the VM charges the same counters, so their lines
 * move from core to core. hugetlbfs pages are not charged here (they are charged to the hugetlb
 * controller, when one is set up).
 */
public final class MemcgCharge {
  private final int batch;
  private final int levels;
  private final CacheLines counters;
  private final int[] stock;
  private final Counter refills;

  /**
   * @param cpus host CPUs (each has its stock)
   * @param stats group for the charging ({@code vm0.host_mm.memcg})
   */
  public MemcgCharge(int chargeBatch, int levels, long transferCycles, int cpus, StatGroup stats) {
    this(chargeBatch, levels, LineDistance.flat(transferCycles), cpus, stats);
  }

  /** Charging whose counter lines move at a cost by distance between the CPUs. */
  public MemcgCharge(
      int chargeBatch, int levels, LineDistance transfer, int cpus, StatGroup stats) {
    this.batch = chargeBatch;
    this.levels = levels;
    this.counters = new CacheLines(Math.max(levels, 1), transfer, stats);
    this.stock = new int[cpus];
    this.refills =
        stats.counter(
            "stock_refills",
            Unit.COUNT,
            "Charges that went to the page counters because the CPU's stock was short");
  }

  /**
   * {@code cpu} charges {@code pages} base pages at {@code now}.
   *
   * @return the cycle the charge is done
   */
  public long charge(int cpu, int pages, long now) {
    if (stock[cpu] >= pages) {
      stock[cpu] -= pages;
      return now;
    }
    refills.increment();
    int n = Math.max(batch, pages);
    long t = now;
    for (int level = 0; level < levels; level++) {
      t = counters.write(level, cpu, t);
    }
    stock[cpu] += n - pages;
    return t;
  }

  /** Pre-charged pages in {@code cpu}'s stock. */
  public int stock(int cpu) {
    return stock[cpu];
  }
}
