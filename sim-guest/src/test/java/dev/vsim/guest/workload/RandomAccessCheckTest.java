package dev.vsim.guest.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.profile.TestProfiles;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.mmu.experiment.GuestAddressSpace;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.walk.Mmu;
import dev.vsim.mmu.walk.TranslationMode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The checking mode catches a translation served stale after the tables changed. */
class RandomAccessCheckTest {

  @Test
  void aStaleTranslationStopsTheRunInCheckingMode() {
    GuestAddressSpace space =
        new GuestAddressSpace(
            TranslationMode.NESTED, 4L << 20, PageSize.SIZE_4K, PageSize.SIZE_4K, 4);
    HardwareProfile p = TestProfiles.skylakeServer();
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
