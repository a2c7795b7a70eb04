package dev.vsim.mmu.bench;

import dev.vsim.mmu.pagetable.EntryFormat;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.pagetable.TableMemory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The EPT fault path's software look-ups of the table, one operation a 4 KiB fault: the
 * write-protection check ({@code leafEntry}), the check under the lock ({@code leafLevel}) and the
 * install ({@code leafLevel}, then {@code map}), for {@code vcpus} vCPUs that each fault through
 * their own 64 MiB in turn (round robin, as the MMU lock serializes them). When every page is
 * mapped the table starts again empty.
 *
 * <p>Run: {@code ./bench sim-mmu FaultLookupBench}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FaultLookupBench {
  private static final long RANGE = 64L << 20;
  private static final long STRIDE = 2L << 30; // each vCPU's range starts 2 GiB after the last
  private static final long HPA = 0x40_0000_0000L;

  @Param({"32", "128"})
  int vcpus;

  private PageTable table;
  private long[] next;
  private int turn;
  private long faults;

  @Setup
  public void setUp() {
    restart();
  }

  private void restart() {
    table = new PageTable(EntryFormat.EPT, 4, new TableMemory(0x800_0000_0000L));
    next = new long[vcpus];
    for (int v = 0; v < vcpus; v++) {
      next[v] = v * STRIDE;
    }
    turn = 0;
    faults = 0;
  }

  @Benchmark
  public long fault() {
    if (faults == vcpus * (RANGE >>> 12)) {
      restart();
    }
    int v = turn;
    turn = v + 1 == vcpus ? 0 : v + 1;
    long gpa = next[v];
    next[v] = gpa + 4096;
    faults++;
    long e = table.leafEntry(gpa); // isWriteProtected
    int locked = table.leafLevel(gpa); // isMapped under the lock
    if (table.leafLevel(gpa) == 0) { // install: isMapped, then map
      table.map(gpa, HPA + gpa, PageSize.SIZE_4K, true);
    }
    return e + locked;
  }
}
