package dev.vsim.hypervisor.mmu;

import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.hypervisor.memory.HostMemory;
import dev.vsim.hypervisor.memory.Memslot;
import dev.vsim.mmu.pagetable.EntryFormat;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.pagetable.TableMemory;

/**
 * Shadow paging, the hypervisor's side: tables that map guest-linear addresses straight to
 * host-physical ones, which the hardware walks instead of the guest's page table. KVM builds each
 * shadow entry from the guest's entry and the memslot behind it, at the smaller of the guest's page
 * and the host's, when the guest faults on it (every page fault exits under shadow paging), and
 * keeps it in step when the guest writes its page table (the table pages are write-protected).
 */
public final class ShadowTables implements SecondLevelTables {
  /** Shadow tables live in their own host-physical region. */
  public static final long TABLES_HPA = 0x900_0000_0000L;

  private final HostMemory host;
  private final PageTable guest;
  private final PageTable shadow;
  private final Counter installs;
  private final Counter pteWrites;

  /**
   * @param guest the guest's page table, which the hypervisor reads (and write-protects)
   * @param stats the VM's shadow group ({@code vm0.kvm.shadow})
   */
  public ShadowTables(HostMemory host, PageTable guest, int levels, StatGroup stats) {
    this.host = host;
    this.guest = guest;
    this.shadow = new PageTable(EntryFormat.X86, levels, new TableMemory(TABLES_HPA));
    installs = stats.counter("sptes_installed", Unit.COUNT, "Shadow page-table entries installed");
    pteWrites =
        stats.counter(
            "guest_pte_writes",
            Unit.COUNT,
            "Writes to write-protected guest page tables that the hypervisor trapped");
    stats.gauge(
        "table_bytes", Unit.BYTES, "Memory held by the shadow page tables", this::tableBytes);
  }

  /** The shadow table the vCPUs' MMUs walk. */
  public PageTable table() {
    return shadow;
  }

  public long tableBytes() {
    return shadow.memory().bytes();
  }

  @Override
  public HostMemory host() {
    return host;
  }

  @Override
  public long gpaOf(long linear) {
    return guest.translate(linear);
  }

  @Override
  public boolean isMapped(long linear) {
    return shadow.leafLevel(linear) != 0;
  }

  @Override
  public PageSize mapSize(Memslot s, long linear) {
    PageSize guestPage = PageSize.ofLevel(guest.leafLevel(linear));
    return PageSize.min(guestPage, PageSize.ofBytes(s.backing().pageBytes()));
  }

  @Override
  public boolean install(Memslot s, long linear, boolean write) {
    if (isMapped(linear)) {
      return false;
    }
    long gpa = guest.translate(linear);
    if (gpa < 0) {
      throw new IllegalStateException(
          "shadow entry for 0x" + Long.toHexString(linear) + " that the guest does not map");
    }
    PageSize size = mapSize(s, linear);
    long aligned = linear & ~size.offsetMask();
    long alignedGpa = gpa - (linear - aligned);
    if (!host.isResident(s, alignedGpa & ~(s.backing().pageBytes() - 1))) {
      throw new IllegalStateException(
          "shadow entry for 0x" + Long.toHexString(linear) + " whose host page is not resident");
    }
    shadow.map(aligned, s.hpa(alignedGpa), size, true);
    installs.increment();
    return true;
  }

  /**
   * Builds the shadow entries of [linear, linear + length) from the guest's page table, pinning the
   * memory behind them; returns the entries installed.
   */
  public long build(long linear, long length) {
    long n = 0;
    long at = linear;
    while (at < linear + length) {
      long gpa = guest.translate(at);
      Memslot s = gpa < 0 ? null : host.slotOf(gpa);
      if (s == null) {
        at += PageSize.SIZE_4K.bytes();
        continue;
      }
      host.faultIn(s, gpa & ~(s.backing().pageBytes() - 1));
      PageSize size = mapSize(s, at);
      if (install(s, at, true)) {
        n++;
      }
      at = (at & ~size.offsetMask()) + size.bytes();
    }
    return n;
  }

  /**
   * The guest wrote the page-table entry of {@code linear} (a trapped write to a write-protected
   * table page): the shadow entry is dropped, and built again at once if {@code rebuild} and the
   * guest maps the address (otherwise the next access faults it in).
   */
  public void guestPteWritten(long linear, boolean rebuild) {
    pteWrites.increment();
    shadow.unmap(linear);
    if (rebuild) {
      long gpa = guest.translate(linear);
      Memslot s = gpa < 0 ? null : host.slotOf(gpa);
      if (s != null) {
        host.faultIn(s, gpa & ~(s.backing().pageBytes() - 1));
        install(s, linear, true);
      }
    }
  }
}
