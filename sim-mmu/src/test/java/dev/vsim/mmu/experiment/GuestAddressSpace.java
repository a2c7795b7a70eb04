package dev.vsim.mmu.experiment;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.mmu.pagetable.EntryFormat;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.pagetable.TableMemory;
import dev.vsim.mmu.walk.Mmu;
import dev.vsim.mmu.walk.TranslationMode;

/**
 * A test fixture: a guest's memory fully mapped in every dimension the translation mode uses: the
 * guest's page table (guest-virtual to guest-physical), and EPT (guest-physical to host-physical)
 * or a shadow table (guest-virtual to host-physical at the smaller page size). Table pages are
 * allocated only where mappings exist, and their memory is reported.
 *
 * <p>Layout: guest-virtual {@link #BASE_VA} maps to guest-physical 0; the guest's page tables live
 * in guest-physical memory at {@link #GUEST_TABLES_GPA}; host-physical = guest-physical + {@link
 * #HOST_OFFSET}; EPT and shadow tables live in their own host-physical regions.
 */
public final class GuestAddressSpace {
  public static final long BASE_VA = 0x7f00_0000_0000L;
  public static final long GUEST_TABLES_GPA = 0x80_0000_0000L; // 512 GiB
  public static final long HOST_OFFSET = 0x100_0000_0000L; // 1 TiB
  public static final long EPT_TABLES_HPA = 0x800_0000_0000L;
  public static final long SHADOW_TABLES_HPA = 0x900_0000_0000L;

  private final TranslationMode mode;
  private final long bytes;
  private final PageTable guest;
  private final PageTable ept;
  private final PageTable shadow;

  /**
   * @param bytes guest memory to map (a multiple of both page sizes)
   * @param levels paging levels of every table (4 or 5)
   */
  public GuestAddressSpace(
      TranslationMode mode, long bytes, PageSize guestPage, PageSize hostPage, int levels) {
    long align = Math.max(guestPage.bytes(), hostPage.bytes());
    if (bytes <= 0 || bytes % align != 0) {
      throw new IllegalArgumentException("memory must be a positive multiple of " + align);
    }
    this.mode = mode;
    this.bytes = bytes;
    long guestTablesAt = mode == TranslationMode.NATIVE ? EPT_TABLES_HPA : GUEST_TABLES_GPA;
    guest = new PageTable(EntryFormat.X86, levels, new TableMemory(guestTablesAt));
    long target = mode == TranslationMode.NATIVE ? HOST_OFFSET : 0;
    guest.mapRange(BASE_VA, target, bytes, guestPage, true);
    if (mode == TranslationMode.NESTED) {
      ept = new PageTable(EntryFormat.EPT, levels, new TableMemory(EPT_TABLES_HPA));
      ept.mapRange(0, HOST_OFFSET, bytes, hostPage, true);
      // The guest's own page tables are guest memory too.
      long tables = guest.memory().endAddress() - GUEST_TABLES_GPA;
      long span = (tables + hostPage.bytes() - 1) / hostPage.bytes() * hostPage.bytes();
      ept.mapRange(GUEST_TABLES_GPA, GUEST_TABLES_GPA + HOST_OFFSET, span, hostPage, true);
      shadow = null;
    } else if (mode == TranslationMode.SHADOW) {
      ept = null;
      shadow = new PageTable(EntryFormat.X86, levels, new TableMemory(SHADOW_TABLES_HPA));
      shadow.mapRange(BASE_VA, HOST_OFFSET, bytes, PageSize.min(guestPage, hostPage), true);
    } else {
      ept = null;
      shadow = null;
    }
  }

  /** A core's MMU over this address space. */
  public Mmu mmu(HardwareProfile profile, MemoryHierarchy memory, long seed, StatGroup stats) {
    PageTable primary = mode == TranslationMode.SHADOW ? shadow : guest;
    Mmu m = new Mmu(profile, mode, primary, ept, true, memory, seed, stats);
    m.setContext(mode == TranslationMode.NESTED ? 1 : 0, mode == TranslationMode.NATIVE ? 0 : 1, 0);
    return m;
  }

  public long bytes() {
    return bytes;
  }

  /**
   * What {@code linear} translates to according to the tables themselves, read in software with no
   * caching: the reference that the checking mode compares every hardware translation with. Returns
   * -1 if it is not mapped.
   */
  public long referenceTranslate(long linear) {
    return switch (mode) {
      case NATIVE -> guest.translate(linear);
      case SHADOW -> shadow.translate(linear);
      case NESTED -> {
        long gpa = guest.translate(linear);
        yield gpa < 0 ? -1 : ept.translate(gpa);
      }
    };
  }

  /** The guest's own page table (guest-virtual to guest-physical, or to physical natively). */
  public PageTable guestTable() {
    return guest;
  }

  /** Bytes of the guest's own page tables. */
  public long guestTableBytes() {
    return guest.memory().bytes();
  }

  /** Bytes of EPT tables (0 unless nested). */
  public long eptTableBytes() {
    return ept == null ? 0 : ept.memory().bytes();
  }

  /** Bytes of shadow tables (0 unless shadow). */
  public long shadowTableBytes() {
    return shadow == null ? 0 : shadow.memory().bytes();
  }

  /** Every byte of paging structures this configuration needs. */
  public long totalTableBytes() {
    return guestTableBytes() + eptTableBytes() + shadowTableBytes();
  }
}
