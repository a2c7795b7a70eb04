package dev.vsim.cpu.profile;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.cpu.units.TimeSpan;
import java.util.Map;

/**
 * Hardware profiles built in code for tests and benchmarks, so they do not depend on the bundled
 * JSON files (whose values may be retuned). The geometry is Skylake server's.
 */
public final class TestProfiles {
  private TestProfiles() {}

  /** Skylake-SP geometry: 32 KiB L1D, 1 MiB L2, 22 MiB LLC; Skylake TLBs; 32-entry PSCs. */
  public static HardwareProfile skylakeServer() {
    TlbLevel psc = new TlbLevel(32, 32, 0);
    return new HardwareProfile(
        "test-skylake",
        "Skylake-SP geometry for tests",
        new Topology(1, 4, 2),
        new Frequency(2_600_000_000L, 3_700_000_000L),
        new CacheHierarchy(
            64,
            new CacheLevel(ByteSize.ofKiB(32), 8, 4),
            new CacheLevel(ByteSize.ofMiB(1), 16, 14),
            new CacheLevel(ByteSize.ofMiB(22), 11, 60)),
        new Dram(230, 100_000_000_000L, 12_000_000_000L),
        new TlbHierarchy(
            new TlbLevel(64, 4, 0),
            new TlbLevel(32, 4, 0),
            new TlbLevel(4, 4, 0),
            new TlbLevel(1536, 12, 9),
            new TlbLevel(16, 4, 9),
            "lru"),
        new PagingStructureCaches(psc, psc, psc, psc, psc, psc, 1),
        new VmxCosts(360, 340, 250, 200, 150, 180, 100),
        new HypervisorCosts(100, 580, 150, 300, 120, 150, 300, 150, 10_000, 1000, 5200, 1800),
        new MmuCosts(600, 1850, 300, 2900, 180, 100, 200, 20, 10, 3000, 1400),
        skylakeHostMm(),
        skylakePower(),
        null);
  }

  /** The bundled Skylake-SP profile's host memory-management costs. */
  public static HostMmCosts skylakeHostMm() {
    return new HostMmCosts(180, 100, 63, 1886, 196_608, 5, 300, 31, 50, 64, 3, 5, 40, 300);
  }

  /**
   * Skylake-SP idle states (intel_idle's skx table: C1, C1E, C6), PC2 and PC6 once every core is in
   * C6, and turbo bins scaled to this profile's four cores: 3.7 GHz with one active core down to
   * 3.3 GHz with all four.
   */
  public static Power skylakePower() {
    return new Power(
        Map.of(
            "C1", new CoreCState(0x00, us(2), us(2)),
            "C1E", new CoreCState(0x01, us(10), us(20)),
            "C6", new CoreCState(0x20, us(133), us(600))),
        Map.of(
            "PC2", new PackageCState("C6", us(0)),
            "PC6", new PackageCState("C6", us(600))),
        false,
        false,
        us(0),
        new Turbo(
            Map.of("1", 3_700_000_000L, "2", 3_500_000_000L, "3", 3_400_000_000L),
            3_300_000_000L,
            "C6"));
  }

  private static TimeSpan us(long n) {
    return TimeSpan.nanos(n * 1000);
  }
}
