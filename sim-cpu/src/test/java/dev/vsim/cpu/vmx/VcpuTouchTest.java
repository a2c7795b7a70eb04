package dev.vsim.cpu.vmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.DramBandwidth;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.stats.StatGroup;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The vCPU executes a guest's memory touch through its MMU: translations add their cycles to the
 * guest work, a translation that needs the hypervisor ends the part before it and raises its exit
 * (the faulting address is translated again after it), a streamed touch moves its traffic in runs
 * that never cross a fault, and the checking mode stops at a translation the tables disagree with.
 */
class VcpuTouchTest {
  private static final VmxCosts VMX = new VmxCosts(300, 300, 200, 0, 0);
  private static final HypervisorCosts HV =
      new HypervisorCosts(100, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0);
  private static final long PAGE = 4096;
  private static final long BASE = 0x10_0000;

  /**
   * An MMU whose translations cost 10 cycles a page, 3 references each; pages in {@code absent} are
   * EPT violations at guest-physical = linear, pages in {@code unmapped} guest page faults.
   */
  private static final class FakeMmu implements AddressTranslation {
    final LongOpenHashSet absent = new LongOpenHashSet();
    final LongOpenHashSet unmapped = new LongOpenHashSet();
    final LongArrayList translated = new LongArrayList();
    long offset = 1L << 40;
    long faultGpa;

    @Override
    public long translate(long linear, boolean write) {
      translated.add(linear);
      long page = linear & -PAGE;
      if (unmapped.contains(page)) {
        faultGpa = -1;
        return FAULT;
      }
      if (absent.contains(page)) {
        faultGpa = page;
        return FAULT;
      }
      return linear + offset;
    }

    @Override
    public long lastCycles() {
      return 10;
    }

    @Override
    public int lastReferences() {
      return 3;
    }

    @Override
    public long lastFaultGpa() {
      return faultGpa;
    }

    @Override
    public void invlpg(long linear) {}

    @Override
    public void flushContext() {}

    @Override
    public boolean hasCachedTranslation(long linear) {
      return false;
    }

    @Override
    public long walks() {
      return 0;
    }

    @Override
    public long walkDramReferences() {
      return 0;
    }
  }

  /** A guest that touches once, and a hypervisor that maps a faulting page in 1,000 cycles. */
  private static final class Run implements GuestCode, ExitHandler {
    final EventKernel kernel = new EventKernel();
    final Vcpu vcpu = new Vcpu(0, kernel, VMX, HV, new StatGroup("vcpu0"));
    final FakeMmu mmu = new FakeMmu();
    final List<String> exits = new ArrayList<>();
    final LongArrayList pageFaults = new LongArrayList();
    final java.util.function.Consumer<GuestOp> touch;
    boolean issued;

    Run(java.util.function.Consumer<GuestOp> touch) {
      this.touch = touch;
      vcpu.attach(this, this);
      vcpu.setMmu(mmu, null);
    }

    Run go() {
      vcpu.start();
      kernel.run();
      return this;
    }

    long guestCycles() {
      return vcpu.stats().snapshot().get("vcpu0.time.guest_cycles").longValue();
    }

    @Override
    public void next(Vcpu v, GuestOp op) {
      if (v.continueTouch(op)) {
        return;
      }
      if (issued) {
        op.done();
        return;
      }
      issued = true;
      touch.accept(op);
    }

    @Override
    public void interrupt(Vcpu v, int vector) {}

    @Override
    public boolean pageFault(Vcpu v, long linear, boolean write) {
      pageFaults.add(linear);
      return false;
    }

    @Override
    public long handle(Vcpu v, VmExit exit) {
      exits.add(
          exit.reason().statName()
              + "@0x"
              + Long.toHexString(exit.guestPhysicalAddress())
              + " q"
              + exit.qualification()
              + " t"
              + v.now());
      mmu.absent.remove(exit.guestPhysicalAddress());
      return 1000;
    }

    @Override
    public long handleRepeated(Vcpu v, VmExit exit, long times) {
      return -1;
    }
  }

  @Test
  void aTouchWithoutFaultsIsItsWorkPlusItsTranslations() {
    Run r = new Run(op -> op.touch(500, BASE, 8 * PAGE, PAGE, false)).go();
    // 500 cycles of work + 8 pages x 10 cycles, in one part: no exit, no event between.
    assertEquals(580, r.guestCycles());
    assertEquals(580, r.kernel.now());
    assertEquals(8, r.mmu.translated.size());
    assertEquals(80, r.vcpu.touchTranslationCycles());
    assertEquals(24, r.vcpu.touchWalkReferences());
  }

  @Test
  void anEptViolationEndsThePartBeforeItAndTheFaultingPageIsTranslatedAgain() {
    Run r = new Run(op -> op.touch(500, BASE, 8 * PAGE, PAGE, true));
    r.mmu.absent.add(BASE + 3 * PAGE);
    r.go();
    // Part 1: 500 + 3 pages x 10 = 530 cycles. Then the faulting walk (10 cycles) and the exit
    // at 540: exit 300, dispatch 200 + handler 1,000, entry 300 -> back in the guest at 2,340,
    // where pages 3..7 are translated (5 x 10 = 50): done at 2,390.
    assertEquals(
        List.of("ept_violation@0x" + Long.toHexString(BASE + 3 * PAGE) + " q2 t840"), r.exits);
    assertEquals(2390, r.kernel.now());
    assertEquals(530 + 10 + 50, r.guestCycles());
    // Page 3 is translated twice: when it faulted and after the exit.
    assertEquals(9, r.mmu.translated.size());
    assertEquals(BASE + 3 * PAGE, r.mmu.translated.getLong(3));
    assertEquals(BASE + 3 * PAGE, r.mmu.translated.getLong(4));
  }

  @Test
  void aFaultOnTheFirstPageExitsAfterItsWalk() {
    Run r = new Run(op -> op.touch(0, BASE, 2 * PAGE, PAGE, false));
    r.mmu.absent.add(BASE);
    r.go();
    // The walk (10), the exit at 10 (handled at 310, read: qualification bit 0), back at 1,810.
    assertEquals(List.of("ept_violation@0x" + Long.toHexString(BASE) + " q1 t310"), r.exits);
    assertEquals(1810 + 20, r.kernel.now());
  }

  @Test
  void aGuestPageFaultGoesToTheGuestWhichSkipsThePage() {
    Run r =
        new Run(op -> op.touchEach(100, new long[] {BASE, BASE + PAGE, BASE + 2 * PAGE}, 3, false));
    r.mmu.unmapped.add(BASE + PAGE);
    r.go();
    assertEquals(List.of(BASE + PAGE), r.pageFaults);
    assertEquals(List.of(), r.exits);
    // Every walk is paid, the faulting one too: 100 + 3 x 10.
    assertEquals(130, r.guestCycles());
  }

  @Test
  void aStreamedTouchMovesItsTrafficInRunsThatEndAtAFault() {
    Run r =
        new Run(op -> op.touch(0, BASE, 6 * PAGE, PAGE, true).streamed(128, 1L << 40, 4 * PAGE));
    StatGroup dram = new StatGroup("dram");
    DramBandwidth bw = new DramBandwidth(r.kernel, 1L << 40, 1_000_000_000L, dram);
    r.vcpu.setMemoryBandwidth(bw);
    r.mmu.absent.add(BASE + 5 * PAGE);
    r.go();
    // Runs of 4 pages from BASE (a multiple of the run): pages 0-3 streamed, then page 4 alone
    // (the walk of page 5 faults: its exit comes after page 4's stream), then page 5 after it.
    assertEquals(1, r.exits.size());
    assertEquals(6 * 128, dram.snapshot().get("dram.bytes").longValue());
    assertEquals(3, dram.snapshot().get("dram.streams").longValue());
    assertEquals(7, r.mmu.translated.size());
  }

  @Test
  void theCheckingModeStopsAtATranslationTheTablesDisagreeWith() {
    Run r = new Run(op -> op.touch(0, BASE, 4 * PAGE, PAGE, false));
    // The tables say page 2 moved; the MMU still gives the old frame.
    r.vcpu.checkTranslations(va -> (va & -PAGE) == BASE + 2 * PAGE ? 0x42_000 : va + r.mmu.offset);
    IllegalStateException e = assertThrows(IllegalStateException.class, r::go);
    assertTrue(
        e.getMessage().startsWith("stale translation on vCPU 0: the MMU translated 0x102000"),
        e.getMessage());
  }
}
