package dev.vsim.mmu.walk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.mmu.pagetable.PageSize;
import org.junit.jupiter.api.Test;

/**
 * What each invalidation leaves behind (SDM 28.3.3): a changed mapping is served stale from the TLB
 * until the right invalidation, and never after it.
 */
class InvalidationTest {
  private static final long VA = Machines.GUEST_VA + 0x5000;
  private static final long MIB = 1L << 20;

  @Test
  void staleUntilInvlpgAndFreshAfter() {
    Machines.Native m = new Machines.Native(4, PageSize.SIZE_4K, 4 * MIB, TranslationMode.NATIVE);
    long old = m.mmu.translate(VA, false);
    m.table.updateLeaf(VA, Machines.HOST_OFFSET + 3 * MIB, true);
    assertEquals(old, m.mmu.translate(VA, false), "without INVLPG the TLB serves the old frame");
    m.mmu.invlpg(VA);
    assertEquals(Machines.HOST_OFFSET + 3 * MIB, m.mmu.translate(VA, false));
    assertEquals(4, m.mmu.lastReferences(), "INVLPG also dropped the paging-structure caches");
  }

  @Test
  void invlpgLeavesOtherPagesCached() {
    Machines.Native m = new Machines.Native(4, PageSize.SIZE_4K, 4 * MIB, TranslationMode.NATIVE);
    m.mmu.translate(VA, false);
    m.mmu.translate(VA + 4096, false);
    m.mmu.invlpg(VA);
    m.mmu.translate(VA + 4096, false);
    assertEquals(0, m.mmu.lastReferences());
  }

  @Test
  void movCr3FlushesUnlessPcidNoFlush() {
    Machines.Native m = new Machines.Native(4, PageSize.SIZE_4K, 4 * MIB, TranslationMode.NATIVE);
    m.mmu.translate(VA, false);
    m.mmu.movCr3(0, false);
    m.mmu.translate(VA, false);
    assertEquals(4, m.mmu.lastReferences(), "without PCIDs MOV CR3 flushes");
    m.mmu.setPcidEnabled(true);
    m.mmu.setContext(0, 0, 1);
    m.mmu.translate(VA, false); // cached under PCID 1
    m.mmu.movCr3(2, true); // switch to PCID 2 with bit 63: nothing flushed
    m.mmu.translate(VA, false);
    assertEquals(4, m.mmu.lastReferences(), "PCID 2 has no entries of its own");
    m.mmu.movCr3(1, true);
    m.mmu.translate(VA, false);
    assertEquals(0, m.mmu.lastReferences(), "PCID 1's entries survived");
    m.mmu.movCr3(1, false);
    m.mmu.translate(VA, false);
    assertEquals(4, m.mmu.lastReferences(), "without bit 63 PCID 1 is flushed");
  }

  @Test
  void invvpidDropsOnlyThatVpidsCombinedMappings() {
    Machines.Nested m = new Machines.Nested(4, 4, PageSize.SIZE_4K, PageSize.SIZE_4K, 4 * MIB);
    m.mmu.setContext(1, 1, 0);
    m.mmu.translate(VA, false);
    m.mmu.setContext(1, 2, 0);
    m.mmu.translate(VA, false);
    m.mmu.invvpidSingleContext(1);
    m.mmu.translate(VA, false);
    assertEquals(0, m.mmu.lastReferences(), "VPID 2 keeps its entries");
    m.mmu.setContext(1, 1, 0);
    m.mmu.translate(VA, false);
    // VPID 1 lost its TLB and guest PSC entries, but guest-physical (EPT) caches survive INVVPID:
    // each of the 4 guest levels reads its entry and translates its pointer with a warm EPT PDE
    // cache (1 reference), and so does the final address: 4 x 2 + 1.
    assertEquals(9, m.mmu.lastReferences());
  }

  @Test
  void invvpidAllContextsSparesOnlyTheHost() {
    Machines.Native m = new Machines.Native(4, PageSize.SIZE_4K, 4 * MIB, TranslationMode.NATIVE);
    m.mmu.setContext(0, 0, 0); // the host (VPID 0)
    m.mmu.translate(VA, false);
    m.mmu.setContext(0, 3, 0);
    m.mmu.translate(VA, false);
    m.mmu.invvpidAllContexts();
    m.mmu.translate(VA, false);
    assertEquals(4, m.mmu.lastReferences(), "VPID 3 was flushed");
    m.mmu.setContext(0, 0, 0);
    m.mmu.translate(VA, false);
    assertEquals(0, m.mmu.lastReferences(), "VPID 0 kept its entries");
  }

  @Test
  void invvpidIndividualAddressLeavesOtherAddresses() {
    Machines.Nested m = new Machines.Nested(4, 4, PageSize.SIZE_4K, PageSize.SIZE_4K, 4 * MIB);
    m.mmu.translate(VA, false);
    m.mmu.translate(VA + 4096, false);
    m.mmu.invvpidAddress(1, VA);
    m.mmu.translate(VA + 4096, false);
    assertEquals(0, m.mmu.lastReferences());
    m.mmu.translate(VA, false);
    assertEquals(9, m.mmu.lastReferences(), "guest PSCs of the VPID are dropped too");
  }

  @Test
  void inveptDropsGuestPhysicalAndCombinedMappings() {
    Machines.Nested m = new Machines.Nested(4, 4, PageSize.SIZE_4K, PageSize.SIZE_4K, 4 * MIB);
    long old = m.mmu.translate(VA, false);
    m.ept.updateLeaf(0x5000, Machines.HOST_OFFSET + 7 * MIB, true);
    assertEquals(old, m.mmu.translate(VA, false), "stale until INVEPT");
    m.mmu.inveptSingleContext(1);
    assertEquals(Machines.HOST_OFFSET + 7 * MIB, m.mmu.translate(VA, false));
    // Nothing was left cached, so the walk starts cold and fills the EPT PSCs as it goes: the
    // root pointer costs 4 EPT references, the three lower guest tables share its EPT PDE (1
    // each), the data page is in another EPT region (4), plus 4 guest entries: 4+1+3x2+4 = 15.
    assertEquals(15, m.mmu.lastReferences(), "nothing of the walk was left cached");
  }

  @Test
  void inveptOfAnotherEptpLeavesThisOne() {
    Machines.Nested m = new Machines.Nested(4, 4, PageSize.SIZE_4K, PageSize.SIZE_4K, 4 * MIB);
    m.mmu.translate(VA, false);
    m.mmu.inveptSingleContext(2);
    m.mmu.translate(VA, false);
    assertEquals(0, m.mmu.lastReferences());
    m.mmu.inveptAllContexts();
    m.mmu.translate(VA, false);
    assertEquals(15, m.mmu.lastReferences(), "a cold walk, as after a single-context INVEPT");
  }

  @Test
  void walksSetAccessedAndDirtyBitsInBothDimensions() {
    Machines.Nested m = new Machines.Nested(4, 4, PageSize.SIZE_4K, PageSize.SIZE_4K, 4 * MIB);
    m.mmu.translate(VA, false);
    long pte = m.guest.leafEntry(VA);
    assertEquals(true, (pte & (1 << 5)) != 0, "guest A");
    assertEquals(false, (pte & (1 << 6)) != 0, "no guest D on a read");
    m.mmu.invlpg(VA);
    m.mmu.translate(VA, true);
    assertEquals(true, (m.guest.leafEntry(VA) & (1 << 6)) != 0, "guest D on a write");
    long eptLeaf = m.ept.leafEntry(0x5000);
    assertEquals(true, (eptLeaf & (1 << 8)) != 0, "EPT A");
    assertEquals(true, (eptLeaf & (1 << 9)) != 0, "EPT D");
  }
}
