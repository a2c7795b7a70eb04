package dev.vsim.guest.memory;

import dev.vsim.mmu.pagetable.EntryFormat;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.pagetable.TableMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * The guest kernel's memory manager, as far as workloads need it: it maps anonymous memory for a
 * process into its page table (linearly, from {@link #BASE_VA} on, onto guest-physical memory from
 * 0 on, at the VM's guest page size), unmaps pages and maps them again. Every change of the page
 * table is told to a listener: under shadow paging the hypervisor traps the guest's page-table
 * writes.
 */
public final class GuestMemory {
  /** Where a process's first mapping starts. */
  public static final long BASE_VA = 0x7f00_0000_0000L;

  /** Hears of the guest's page-table changes (the hypervisor's write-protection of its tables). */
  public interface Listener {
    /** [linear, linear + length) was mapped. */
    void mapped(long linear, long length);

    /** The entry mapping {@code linear} was written (cleared or set). */
    void pteWritten(long linear);
  }

  private final PageTable table;
  private final PageSize page;
  private final long physicalBase;
  private final long physicalBytes;
  private final List<long[]> mappings = new ArrayList<>();
  private long nextLinear = BASE_VA;
  private long nextPhysical;
  private Listener listener;

  /**
   * @param physicalBytes the guest's RAM
   * @param page the guest's page size
   * @param levels paging levels (4 or 5)
   * @param tablesAt where the page table's pages are allocated (physical, in the guest's view)
   * @param physicalBase what guest-physical 0 is in the page table's entries (0 in a VM)
   */
  public GuestMemory(
      long physicalBytes, PageSize page, int levels, long tablesAt, long physicalBase) {
    this.table = new PageTable(EntryFormat.X86, levels, new TableMemory(tablesAt));
    this.page = page;
    this.physicalBase = physicalBase;
    this.physicalBytes = physicalBytes;
  }

  /** The guest's page table (what CR3 points at). */
  public PageTable table() {
    return table;
  }

  /**
   * Maps {@code bytes} (rounded up to whole pages) of the guest's RAM, populated, at the next free
   * linear address, and returns that address.
   */
  public long map(long bytes) {
    long length = (bytes + page.bytes() - 1) / page.bytes() * page.bytes();
    if (length <= 0 || nextPhysical + length > physicalBytes) {
      throw new IllegalArgumentException(
          "cannot map "
              + bytes
              + " bytes: the guest has "
              + (physicalBytes - nextPhysical)
              + " bytes of RAM left");
    }
    long linear = nextLinear;
    table.mapRange(linear, physicalBase + nextPhysical, length, page, true);
    mappings.add(new long[] {linear, length});
    nextLinear += length;
    nextPhysical += length;
    if (listener != null) {
      listener.mapped(linear, length);
    }
    return linear;
  }

  /** Every mapping made so far: {linear, length} pairs, in order. */
  public List<long[]> mappings() {
    return List.copyOf(mappings);
  }

  /** Starts telling {@code l} of page-table changes. */
  public void setListener(Listener l) {
    this.listener = l;
  }

  /** Clears the entry of the page at {@code linear} (munmap); false if nothing mapped it. */
  public boolean unmap(long linear) {
    boolean was = table.unmap(linear);
    if (was && listener != null) {
      listener.pteWritten(linear);
    }
    return was;
  }

  /** Maps the page at {@code linear} again onto the memory it had (a freed page reused). */
  public void remap(long linear) {
    long aligned = linear & ~page.offsetMask();
    table.map(aligned, physicalBase + (aligned - BASE_VA), page, true);
    if (listener != null) {
      listener.pteWritten(aligned);
    }
  }

  /** The guest-physical address {@code linear} maps to (-1 if none), read in software. */
  public long physicalOf(long linear) {
    return table.translate(linear);
  }
}
