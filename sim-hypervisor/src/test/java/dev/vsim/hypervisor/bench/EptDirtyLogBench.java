package dev.vsim.hypervisor.bench;

import dev.vsim.cpu.profile.TestProfiles;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.hypervisor.memory.Backing;
import dev.vsim.hypervisor.memory.HostMemory;
import dev.vsim.hypervisor.memory.Memslot;
import dev.vsim.hypervisor.mmu.DirtyLogMode;
import dev.vsim.hypervisor.mmu.Ept;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The EPT's dirty-logging operations on a pre-populated 1 GiB slot of 2 MiB host pages, one round
 * of a migration that fails: enable logging (splitting eagerly or write-protecting; either mode),
 * harvest twice, disable (restoring the huge pages at once). The host-side cost of the simulator,
 * not the simulated cycles.
 *
 * <p>Run: {@code ./bench sim-hypervisor EptDirtyLogBench}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx2g"})
public class EptDirtyLogBench {
  private static final long GIB = 1L << 30;

  @Param({"true", "false"})
  public boolean eagerSplit;

  @Param({"write-protect", "dirty-bit"})
  public String mode;

  private Memslot ram;
  private Ept ept;
  private final long[] cycles = new long[1];

  // Table pages are never reused (their addresses stay put), so each round adds the split tables:
  // a fresh EPT each iteration keeps the heap from filling up.
  @Setup(Level.Iteration)
  public void setUp() {
    HostMemory host = new HostMemory(new StatGroup("mem"));
    ram = host.add(new Memslot(0, 0, GIB, 1L << 40, Backing.HUGETLB_2M));
    ept = new Ept(TestProfiles.skylakeServer().mmu(), host, 4, 1, new StatGroup("ept"));
    ept.prepopulate(ram);
  }

  @Benchmark
  public long logAndRestore() {
    long c = ept.enableDirtyLogging(ram, DirtyLogMode.of(mode), eagerSplit);
    c += ept.harvestDirtyLog(cycles).length + cycles[0];
    c += ept.harvestDirtyLog(cycles).length + cycles[0];
    return c + ept.disableDirtyLogging(true);
  }
}
