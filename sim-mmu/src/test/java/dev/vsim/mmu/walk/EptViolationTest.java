package dev.vsim.mmu.walk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.mmu.pagetable.PageSize;
import org.junit.jupiter.api.Test;

/** What a walk reports when EPT stops it, and how cached permissions behave. */
class EptViolationTest {
  private static final long MIB = 1L << 20;
  private static final long GPA = 0x5000;
  private static final long VA = Machines.GUEST_VA + GPA;

  @Test
  void aMissingEptEntryReportsTheFaultingGuestPhysicalAddress() {
    Machines.Nested m = new Machines.Nested(4, 4, PageSize.SIZE_4K, PageSize.SIZE_4K, 4 * MIB);
    m.ept.unmap(GPA);
    assertEquals(Mmu.FAULT, m.mmu.translate(VA + 0x18, true));
    assertEquals(GPA + 0x18, m.mmu.lastFaultGpa());
    assertTrue(m.mmu.lastFaultWrite());
    m.ept.map(GPA, Machines.HOST_OFFSET + GPA, PageSize.SIZE_4K, true);
    // Nothing was cached for the faulting page, so the retry walks and succeeds at once.
    assertEquals(Machines.HOST_OFFSET + GPA + 0x18, m.mmu.translate(VA + 0x18, true));
    assertEquals(-1, m.mmu.lastFaultGpa());
  }

  @Test
  void aWriteToAReadOnlyEptMappingFaultsWhileReadsAreServed() {
    Machines.Nested m = new Machines.Nested(4, 4, PageSize.SIZE_4K, PageSize.SIZE_4K, 4 * MIB);
    m.ept.updateLeaf(GPA, Machines.HOST_OFFSET + GPA, false); // write-protected, as dirty logging
    assertEquals(Machines.HOST_OFFSET + GPA, m.mmu.translate(VA, false));
    assertEquals(Machines.HOST_OFFSET + GPA, m.mmu.translate(VA, false));
    assertEquals(0, m.mmu.lastReferences(), "the read-only entry serves reads from the TLB");
    assertEquals(Mmu.FAULT, m.mmu.translate(VA, true), "but not writes");
    assertEquals(GPA, m.mmu.lastFaultGpa());
    assertTrue(m.mmu.lastFaultWrite());
    // The fault handler makes it writable again; the write re-walks and needs no invalidation.
    m.ept.updateLeaf(GPA, Machines.HOST_OFFSET + GPA, true);
    assertEquals(Machines.HOST_OFFSET + GPA, m.mmu.translate(VA, true));
    // As a warm walk: the guest PDE cache gives the guest page table's host address, read the
    // guest PTE (1); the data's guest-physical address hits the EPT PDE cache, read the EPT PTE
    // (1).
    assertEquals(2, m.mmu.lastReferences());
    assertTrue(
        dev.vsim.mmu.pagetable.EntryFormat.EPT.isDirty(m.ept.leafEntry(GPA)),
        "the write set the EPT dirty bit");
    m.mmu.translate(VA, true);
    assertEquals(0, m.mmu.lastReferences(), "now cached as writable");
  }

  @Test
  void aFaultInTheGuestTableIsNotAnEptViolation() {
    Machines.Nested m = new Machines.Nested(4, 4, PageSize.SIZE_4K, PageSize.SIZE_4K, 4 * MIB);
    m.guest.unmap(VA);
    assertEquals(Mmu.FAULT, m.mmu.translate(VA, false));
    assertEquals(-1, m.mmu.lastFaultGpa());
    assertFalse(m.mmu.lastFaultWrite() && m.mmu.lastFaultGpa() >= 0);
  }
}
