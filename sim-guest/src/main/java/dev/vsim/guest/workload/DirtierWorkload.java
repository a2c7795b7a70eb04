package dev.vsim.guest.workload;

import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.List;

/**
 * Seed 003's dirtier: every vCPU writes its own range of guest memory, {@code stride} bytes apart,
 * {@code passes} times, with its guest page tables already present so the costs measured are the
 * EPT side. Each 4 KiB page is translated by the vCPU's MMU (a first touch under an empty EPT is an
 * EPT violation exit); the stores then move their lines through the shared memory bandwidth. A
 * store to a line not in the cache reads it for ownership and later writes it back, so every line
 * written costs two lines of memory traffic.
 *
 * <p>Each pass is one memory touch that the vCPU executes: pages are translated ahead in runs up to
 * the next fault or {@code chunkBytes}, and the run's stores are one memory stream, so the walks
 * and the stores of a run take the same total time as interleaved, and a run never crosses a fault.
 */
public final class DirtierWorkload implements Workload {
  private static final long PAGE = 4096;
  private static final int LINE = 64;

  /**
   * @param baseAddress guest-virtual address of vCPU 0's range (vCPU i's follows at i * bytes)
   * @param bytesPerVcpu size of each vCPU's range
   * @param stride bytes between two stores
   * @param passes times each range is written
   * @param chunkBytes most bytes translated ahead and streamed at once
   * @param storeBytesPerSecond one core's rate of memory traffic when storing
   * @param frequencyHz cycles per second, for the finish times in seconds
   */
  public record Params(
      long baseAddress,
      long bytesPerVcpu,
      long stride,
      int passes,
      long chunkBytes,
      long storeBytesPerSecond,
      long frequencyHz) {
    public Params {
      if (stride < 1 || bytesPerVcpu < PAGE || passes < 1 || chunkBytes < PAGE) {
        throw new IllegalArgumentException("a dirtier needs a range, a stride and passes");
      }
    }

    /** Memory traffic of one pass over one 4 KiB page: each line stored is read and written. */
    long trafficPerPage() {
      long lines = stride >= LINE ? Math.max(1, PAGE / stride) : PAGE / LINE;
      return lines * LINE * 2;
    }
  }

  private final Params params;
  private final boolean[] begun;
  private final int[] pass;
  private final long[] startedAt;
  private final long[] finishedAt;
  private final long trafficPerPage;
  private int finished;

  /**
   * @param vcpus number of vCPUs
   * @param vmStats the VM's group: finish-time distribution under {@code dirtier}
   * @param vcpuStats each vCPU's group: its own times under {@code dirtier}
   */
  public DirtierWorkload(Params params, int vcpus, StatGroup vmStats, List<StatGroup> vcpuStats) {
    this.params = params;
    int n = vcpus;
    begun = new boolean[n];
    pass = new int[n];
    startedAt = new long[n];
    finishedAt = new long[n];
    trafficPerPage = params.trafficPerPage();
    StatGroup all = vmStats.group("dirtier");
    all.formula(
        "min_seconds",
        Unit.SECONDS,
        "Time the fastest vCPU took to dirty its share",
        () -> sortedSeconds()[0]);
    all.formula(
        "median_seconds",
        Unit.SECONDS,
        "Median over the vCPUs of the time to dirty their shares",
        () -> {
          double[] s = sortedSeconds();
          return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        });
    all.formula(
        "max_seconds",
        Unit.SECONDS,
        "Time the slowest vCPU took to dirty its share",
        () -> sortedSeconds()[n - 1]);
    for (int i = 0; i < n; i++) {
      int v = i;
      StatGroup g = vcpuStats.get(i).group("dirtier");
      g.gauge("start_cycles", Unit.CYCLES, "When this vCPU started dirtying", () -> startedAt[v]);
      g.gauge(
          "finish_cycles", Unit.CYCLES, "When this vCPU finished dirtying", () -> finishedAt[v]);
      g.formula(
          "seconds",
          Unit.SECONDS,
          "Time this vCPU took to dirty its share",
          () -> (double) (finishedAt[v] - startedAt[v]) / params.frequencyHz());
    }
  }

  /** Each vCPU's time from its first store to its last, in seconds, sorted. */
  public double[] sortedSeconds() {
    double[] s = new double[finishedAt.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = (double) (finishedAt[i] - startedAt[i]) / params.frequencyHz();
    }
    java.util.Arrays.sort(s);
    return s;
  }

  private long rangeStart(int v) {
    return params.baseAddress() + v * params.bytesPerVcpu();
  }

  /** How many vCPUs have written all their passes. */
  public int finished() {
    return finished;
  }

  @Override
  public void next(Vcpu vcpu, GuestOp op) {
    int v = vcpu.index();
    if (!begun[v]) {
      begun[v] = true;
      startedAt[v] = vcpu.now();
    } else if (++pass[v] >= params.passes()) {
      if (finishedAt[v] == 0) {
        finishedAt[v] = vcpu.now();
        finished++;
      }
      op.done();
      return;
    }
    // One pass: every 4 KiB page of the range stored to, its lines streamed at the store rate.
    op.touch(0, rangeStart(v), params.bytesPerVcpu(), PAGE, true)
        .streamed(trafficPerPage, params.storeBytesPerSecond(), params.chunkBytes());
  }
}
