package dev.vsim.mmu.bench;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.profile.TestProfiles;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.mmu.experiment.GuestAddressSpace;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.walk.Mmu;
import dev.vsim.mmu.walk.TranslationMode;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Translations per second of a nested (EPT, 4 KiB / 4 KiB) MMU on two paths:
 *
 * <ul>
 *   <li>{@code tlbHit}: 16 pages used round-robin, every translation hits the L1 DTLB;
 *   <li>{@code nestedWalkWarmPsc}: 8,192 pages (32 MiB) in a cycle the 1,536-entry STLB cannot
 *       hold, so every translation walks both dimensions, with the guest and EPT PDE caches warm (2
 *       references per walk, priced by the cache model).
 * </ul>
 *
 * <p>Run: {@code ./bench sim-mmu TranslationBench}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgs = {"-Xmx2g"})
public class TranslationBench {
  private static final int HOT_PAGES = 16;
  private static final int WALK_PAGES = 8192;
  private static final int WARM_PAGES = 2048;

  private Mmu mmu;
  private int hot;
  private int walk;
  private int warm;

  @Setup
  public void setUp() {
    HardwareProfile p = TestProfiles.skylakeServer();
    GuestAddressSpace space =
        new GuestAddressSpace(
            TranslationMode.NESTED, 64L << 20, PageSize.SIZE_4K, PageSize.SIZE_4K, 4);
    MemoryHierarchy mem = new MemoryHierarchy(p.caches(), p.dram(), new StatGroup("mem"));
    mmu = space.mmu(p, mem, 1, new StatGroup("mmu"));
    for (int i = 0; i < 2 * WALK_PAGES; i++) {
      nestedWalkWarmPsc();
      nestedWalkWarmCaches();
    }
  }

  @Benchmark
  public long tlbHit() {
    hot = (hot + 1) & (HOT_PAGES - 1);
    return mmu.translate(GuestAddressSpace.BASE_VA + ((long) hot << 12), false);
  }

  @Benchmark
  public long nestedWalkWarmPsc() {
    walk = (walk + 1) & (WALK_PAGES - 1);
    return mmu.translate(GuestAddressSpace.BASE_VA + ((long) walk << 12) + 64, false);
  }

  /** As above over 2,048 pages (8 MiB): still beyond the STLB, but the walks' lines stay in L1D. */
  @Benchmark
  public long nestedWalkWarmCaches() {
    warm = (warm + 1) & (WARM_PAGES - 1);
    return mmu.translate(GuestAddressSpace.BASE_VA + (32L << 20) + ((long) warm << 12), false);
  }
}
