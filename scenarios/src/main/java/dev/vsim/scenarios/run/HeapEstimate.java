package dev.vsim.scenarios.run;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.scenarios.model.HypervisorSpec.Paging;
import dev.vsim.scenarios.model.Scenario;
import dev.vsim.scenarios.model.VmSpec;
import java.util.List;
import java.util.Locale;

/**
 * A lower bound on the heap a configuration needs, from its scenario alone: the page tables that
 * exist before the guest runs (the guest's tables for what its workload maps up front, and a
 * second-level table built whole by a pre-populating fault design). Each table page of 512 entries
 * is a {@code long[512]} on the heap. A run whose bound exceeds the heap is refused before it
 * simulates, rather than running out of memory minutes later.
 */
public final class HeapEstimate {
  /** Heap bytes of one table page: 512 longs and the array header. */
  static final long TABLE_PAGE_BYTES = 512 * 8 + 16;

  private HeapEstimate() {}

  /** The bound for one configuration, in bytes. */
  public static long tableBytes(Scenario s) {
    long total = 0;
    for (VmSpec vm : s.vms()) {
      total = saturatedAdd(total, vmTableBytes(s, vm));
    }
    return total;
  }

  static long vmTableBytes(Scenario s, VmSpec vm) {
    long mapped = Math.min(vm.workload().mapsUpFront(vm), vm.memory().bytes());
    long bytes = leafTablePages(mapped, vm.guestPageSize().bytes()) * TABLE_PAGE_BYTES;
    boolean secondLevelWhole =
        s.hypervisor().paging() != Paging.NATIVE && !s.hypervisor().design().faultsOnDemand();
    if (secondLevelWhole) {
      long covered = s.hypervisor().paging() == Paging.SHADOW ? mapped : vm.memory().bytes();
      long page = Math.min(vm.guestPageSize().bytes(), vm.hostPageSize().bytes());
      if (s.hypervisor().paging() == Paging.EPT) {
        page = vm.hostPageSize().bytes();
      }
      bytes = saturatedAdd(bytes, leafTablePages(covered, page) * TABLE_PAGE_BYTES);
    }
    return bytes;
  }

  /** Tables of the lowest level that map {@code bytes} in pages of {@code page} (512 a table). */
  private static long leafTablePages(long bytes, long page) {
    long entries = (bytes + page - 1) / page;
    return (entries + 511) / 512;
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }

  /**
   * Why the configurations cannot run in {@code maxHeap} bytes when {@code jobs} run at once, or
   * null if the bound fits.
   */
  public static String refusal(List<RunPlan> plans, int jobs, long maxHeap) {
    long largest = 0;
    RunPlan worst = null;
    long[] sizes = new long[plans.size()];
    for (int i = 0; i < plans.size(); i++) {
      sizes[i] = tableBytes(plans.get(i).scenario());
      if (sizes[i] > largest) {
        largest = sizes[i];
        worst = plans.get(i);
      }
    }
    java.util.Arrays.sort(sizes);
    long together = 0;
    for (int i = 0; i < Math.min(jobs, sizes.length); i++) {
      together = saturatedAdd(together, sizes[sizes.length - 1 - i]);
    }
    if (together <= maxHeap) {
      return null;
    }
    String gib = String.format(Locale.ROOT, "%.1f", together / (double) ByteSize.GIB);
    String heap = String.format(Locale.ROOT, "%.1f", maxHeap / (double) ByteSize.GIB);
    String which =
        largest >= together || jobs == 1
            ? "configuration \"" + worst.variant() + "\""
            : Math.min(jobs, sizes.length) + " configurations at once";
    long suggest = Math.max(2, (long) Math.ceil(together * 1.5 / ByteSize.GIB));
    return "vsim: "
        + which
        + " needs at least "
        + gib
        + " GiB of heap for the page tables that exist before the guest runs (its guests' memory"
        + " mapped up front, and second-level tables built whole), but the Java heap has "
        + heap
        + " GiB; give the VMs less memory or larger pages, run fewer configurations at once (-j 1),"
        + " or raise the heap, e.g. VSIM_JAVA_OPTS=\"-Xmx"
        + suggest
        + "g -XX:+UseParallelGC\"";
  }
}
