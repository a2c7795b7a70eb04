package dev.vsim.guest.workload;

import dev.vsim.cpu.pv.Ucall;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The guest code of the kvm selftests' memstress library (memstress_guest_code), as {@code
 * dirty_log_perf_test} runs it: each pass, the vCPU touches the first 8 bytes of every 4 KiB page
 * of its range in order, a store with probability {@code writePercent} % (always a store in the
 * populate pass, iteration 0), else a load, then reports with a ucall (GUEST_SYNC) and waits in
 * user space until the host starts the next pass. A store reads its line for ownership and later
 * writes it back (two lines of memory traffic); a load reads one.
 */
public final class MemstressWorkload implements Workload {
  private static final long PAGE = 4096;
  private static final int LINE = 64;

  /**
   * @param baseAddress guest-virtual address of the test memory
   * @param bytesPerVcpu {@code -b}: memory each vCPU accesses
   * @param partition each vCPU its own range (the default; {@code -o} overlaps: every vCPU runs
   *     over the whole test memory)
   * @param writePercent {@code -w}: the chance of a store for each page, after the populate pass
   * @param passes the passes each vCPU makes: the populate pass and the {@code -i} iterations
   * @param chunkBytes most bytes translated ahead and streamed at once
   * @param bytesPerSecond one core's rate of memory traffic
   */
  public record Params(
      long baseAddress,
      long bytesPerVcpu,
      boolean partition,
      int writePercent,
      int passes,
      long chunkBytes,
      long bytesPerSecond) {
    public Params {
      if (bytesPerVcpu < PAGE || writePercent < 0 || writePercent > 100 || passes < 1) {
        throw new IllegalArgumentException("memstress needs memory, a write percentage, passes");
      }
    }
  }

  private final Params params;
  private final int vcpus;
  private final SplittableRandom[] random;
  private final int[] pass;
  private final long[] next; // the next page of the pass, or -1 once it is done (sync next)
  private final boolean[] nextWrite; // the access drawn for that page
  private final Counter[] passes;

  /**
   * @param random the workload's stream; each vCPU gets one split off it
   * @param vcpuStats each vCPU's group: its passes under {@code memstress}
   */
  public MemstressWorkload(
      Params params, int vcpus, SplittableRandom random, List<StatGroup> vcpuStats) {
    this.params = params;
    this.vcpus = vcpus;
    this.random = new SplittableRandom[vcpus];
    pass = new int[vcpus];
    next = new long[vcpus];
    nextWrite = new boolean[vcpus];
    passes = new Counter[vcpus];
    for (int i = 0; i < vcpus; i++) {
      this.random[i] = random.split();
      passes[i] =
          vcpuStats
              .get(i)
              .group("memstress")
              .counter("passes", Unit.COUNT, "Passes over the vCPU's memory, populate included");
      nextWrite[i] = true; // the populate pass stores to every page
    }
  }

  private long pages() {
    return (params.partition() ? params.bytesPerVcpu() : params.bytesPerVcpu() * vcpus) / PAGE;
  }

  private long start(int v) {
    return params.baseAddress() + (params.partition() ? v * params.bytesPerVcpu() : 0);
  }

  private boolean draw(int v) {
    return pass[v] == 0 || random[v].nextInt(100) < params.writePercent();
  }

  @Override
  public void next(Vcpu vcpu, GuestOp op) {
    int v = vcpu.index();
    if (pass[v] >= params.passes()) {
      op.done(); // host_quit
      return;
    }
    long pages = pages();
    if (next[v] < 0) {
      // The pass is done: GUEST_SYNC, an OUT to the ucall port that exits to user space.
      passes[v].increment();
      pass[v]++;
      next[v] = 0;
      if (pass[v] < params.passes()) {
        nextWrite[v] = draw(v);
      }
      op.exit(ExitReason.IO_INSTRUCTION, 0, 1)
          .qualification(Ucall.outQualification(Ucall.PIO_PORT))
          .registers(Ucall.SYNC, 0, 0, 0);
      return;
    }
    // A run of pages with the same access: one touch of the MMU, one stream of lines.
    long first = next[v];
    boolean write = nextWrite[v];
    long end = first + 1;
    boolean following = write;
    while (end < pages && (following = draw(v)) == write) {
      end++;
    }
    next[v] = end < pages ? end : -1;
    nextWrite[v] = following;
    op.touch(0, start(v) + first * PAGE, (end - first) * PAGE, PAGE, write)
        .streamed(write ? 2 * LINE : LINE, params.bytesPerSecond(), params.chunkBytes());
  }
}
