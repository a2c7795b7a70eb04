package dev.vsim.cpu.profile;

import dev.vsim.cpu.units.ByteSize;

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
        new VmxCosts(360, 340, 250, 200, 150),
        new HypervisorCosts(100, 580, 150, 300, 120, 150, 300, 150, 10_000),
        new MmuCosts(600, 2000, 300, 2900, 180, 100, 200, 20, 10, 3000),
        null);
  }
}
