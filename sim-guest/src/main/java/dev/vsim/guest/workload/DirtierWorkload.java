package dev.vsim.guest.workload;

import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.mmu.walk.Mmu;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * Seed 003's dirtier: every vCPU writes its own range of guest memory, {@code stride} bytes apart,
 * {@code passes} times, with its guest page tables already present so the costs measured are the
 * EPT side. Each 4 KiB page is translated by the vCPU's MMU (a first touch under an empty EPT is an
 * EPT violation exit); the stores then move their lines through the shared memory bandwidth. A
 * store to a line not in the cache reads it for ownership and later writes it back, so every line
 * written costs two lines of memory traffic.
 *
 * <p>Pages are translated ahead in runs up to the next fault or {@code chunkBytes}, and the run's
 * stores are one memory stream: the walks and the stores of a run take the same total time as
 * interleaved, and a run never crosses a fault.
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
  private final List<Mmu> mmus;
  private final LongUnaryOperator check;
  private final LongUnaryOperator gpaOf;
  private final long[] cursor;
  private final int[] pass;
  private final long[] pendingFaultGpa;
  private final long[] pendingFaultCycles;
  private final long[] startedAt;
  private final long[] finishedAt;
  private final long trafficPerPage;
  private int finished;

  /**
   * @param mmus each vCPU's MMU
   * @param gpaOf the guest-physical address of a guest-virtual one (the guest's page table), for
   *     the checking mode's messages
   * @param check when not null, the checking mode: every translation is compared with this
   *     reference (the tables read in software), and a difference stops the run
   * @param vmStats the VM's group: finish-time distribution under {@code dirtier}
   * @param vcpuStats each vCPU's group: its own times under {@code dirtier}
   */
  public DirtierWorkload(
      Params params,
      List<Mmu> mmus,
      LongUnaryOperator gpaOf,
      LongUnaryOperator check,
      StatGroup vmStats,
      List<StatGroup> vcpuStats) {
    this.params = params;
    this.mmus = List.copyOf(mmus);
    this.gpaOf = gpaOf;
    this.check = check;
    int n = mmus.size();
    cursor = new long[n];
    pass = new int[n];
    pendingFaultGpa = new long[n];
    pendingFaultCycles = new long[n];
    startedAt = new long[n];
    finishedAt = new long[n];
    trafficPerPage = params.trafficPerPage();
    StatGroup all = vmStats.group("dirtier");
    all.formula("min_seconds", () -> sortedSeconds()[0]);
    all.formula(
        "median_seconds",
        () -> {
          double[] s = sortedSeconds();
          return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        });
    all.formula("max_seconds", () -> sortedSeconds()[n - 1]);
    for (int i = 0; i < n; i++) {
      int v = i;
      cursor[i] = -1;
      pendingFaultGpa[i] = -1;
      StatGroup g = vcpuStats.get(i).group("dirtier");
      g.gauge("start_cycles", () -> startedAt[v]);
      g.gauge("finish_cycles", () -> finishedAt[v]);
      g.formula("seconds", () -> (double) (finishedAt[v] - startedAt[v]) / params.frequencyHz());
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
    if (cursor[v] < 0) {
      cursor[v] = rangeStart(v);
      startedAt[v] = vcpu.now();
    }
    if (pendingFaultGpa[v] >= 0) {
      // The walk that stopped the last run: its exit comes now, after that run's stores.
      long gpa = pendingFaultGpa[v];
      pendingFaultGpa[v] = -1;
      faultExit(op, gpa, pendingFaultCycles[v]);
      return;
    }
    long end = rangeStart(v) + params.bytesPerVcpu();
    if (cursor[v] >= end) {
      if (++pass[v] < params.passes()) {
        cursor[v] = rangeStart(v);
      } else {
        if (finishedAt[v] == 0) {
          finishedAt[v] = vcpu.now();
          finished++;
        }
        op.done();
        return;
      }
    }
    Mmu mmu = mmus.get(v);
    long runEnd = Math.min(end, (cursor[v] / params.chunkBytes() + 1) * params.chunkBytes());
    long cycles = 0;
    long pages = 0;
    long at = cursor[v];
    while (at < runEnd) {
      long hpa = mmu.translate(at, true);
      cycles += mmu.lastCycles();
      if (hpa == Mmu.FAULT) {
        long gpa = mmu.lastFaultGpa();
        if (gpa < 0) {
          throw new IllegalStateException(
              "guest page fault at 0x"
                  + Long.toHexString(at)
                  + ": the guest tables must be present");
        }
        if (pages == 0) {
          faultExit(op, gpa, cycles);
        } else {
          pendingFaultGpa[v] = gpa;
          pendingFaultCycles[v] = mmu.lastCycles();
          op.stream(
              cycles - mmu.lastCycles(), pages * trafficPerPage, params.storeBytesPerSecond());
        }
        cursor[v] = at;
        return;
      }
      if (check != null && check.applyAsLong(at) != hpa) {
        throw new IllegalStateException(
            "stale translation of 0x"
                + Long.toHexString(at)
                + " (guest-physical 0x"
                + Long.toHexString(gpaOf.applyAsLong(at))
                + "): the MMU gave 0x"
                + Long.toHexString(hpa)
                + ", the tables say 0x"
                + Long.toHexString(check.applyAsLong(at)));
      }
      at += PAGE;
      pages++;
    }
    cursor[v] = at;
    op.stream(cycles, pages * trafficPerPage, params.storeBytesPerSecond());
  }

  private static void faultExit(GuestOp op, long gpa, long cyclesBefore) {
    op.exit(ExitReason.EPT_VIOLATION, cyclesBefore, 1)
        .guestPhysicalAddress(gpa)
        .qualification(1L << 1);
  }
}
