package dev.vsim.guest.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.profile.CacheHierarchy;
import dev.vsim.cpu.profile.CacheLevel;
import dev.vsim.cpu.profile.Dram;
import dev.vsim.cpu.profile.Frequency;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.PagingStructureCaches;
import dev.vsim.cpu.profile.TlbHierarchy;
import dev.vsim.cpu.profile.TlbLevel;
import dev.vsim.cpu.profile.Topology;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.units.ByteSize;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.mmu.experiment.GuestAddressSpace;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.walk.Mmu;
import dev.vsim.mmu.walk.TranslationMode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The checking mode catches a translation served stale after the tables changed. */
class RandomAccessCheckTest {
  private static HardwareProfile profile() {
    TlbLevel psc = new TlbLevel(32, 32, 0);
    return new HardwareProfile(
        "t",
        "",
        new Topology(1, 1, 1),
        new Frequency(2_000_000_000L, 2_000_000_000L),
        new CacheHierarchy(
            64,
            new CacheLevel(ByteSize.ofKiB(32), 8, 4),
            new CacheLevel(ByteSize.ofMiB(1), 16, 14),
            new CacheLevel(ByteSize.ofMiB(8), 16, 40)),
        new Dram(200, 1, 1),
        new TlbHierarchy(
            new TlbLevel(64, 4, 0),
            new TlbLevel(32, 4, 0),
            new TlbLevel(4, 4, 0),
            new TlbLevel(1536, 12, 9),
            new TlbLevel(16, 4, 9),
            "lru"),
        new PagingStructureCaches(psc, psc, psc, psc, psc, psc, 1),
        new VmxCosts(1, 1, 1, 1, 1),
        new HypervisorCosts(1, 1, 1, 1, 1, 1, 1),
        null);
  }

  @Test
  void aStaleTranslationStopsTheRunInCheckingMode() {
    GuestAddressSpace space =
        new GuestAddressSpace(
            TranslationMode.NESTED, 4L << 20, PageSize.SIZE_4K, PageSize.SIZE_4K, 4);
    HardwareProfile p = profile();
    MemoryHierarchy mem = new MemoryHierarchy(p.caches(), p.dram(), new StatGroup("m"));
    Mmu mmu = space.mmu(p, mem, 1, new StatGroup("mmu"));
    RandomAccessWorkload w =
        new RandomAccessWorkload(
            new RandomAccessWorkload.Params(GuestAddressSpace.BASE_VA, 4096, 0, 10_000, false),
            mmu,
            mem,
            new SplittableRandom(1),
            new StatGroup("v"),
            space::referenceTranslate);
    GuestOp op = new GuestOp();
    w.next(null, op); // fills the TLB with the one page; the tables agree
    assertEquals(GuestOp.Kind.COMPUTE, op.kind());
    // The guest remaps its page and does not flush: hardware keeps the old translation.
    space.guestTable().updateLeaf(GuestAddressSpace.BASE_VA, 1L << 20, true);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.next(null, op));
    assertEquals(true, e.getMessage().startsWith("check failed: the MMU translated 0x7f"));
  }
}
