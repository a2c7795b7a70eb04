package dev.vsim.hypervisor.mmu;

import dev.vsim.hypervisor.memory.HostMemory;
import dev.vsim.hypervisor.memory.Memslot;
import dev.vsim.mmu.pagetable.PageSize;

/**
 * The tables the hypervisor fills on a fault: EPT, keyed by guest-physical address, or the shadow
 * tables, keyed by guest-linear address. {@link EptFaultPath} serves both.
 */
public interface SecondLevelTables {
  /** The host memory behind the VM's memslots. */
  HostMemory host();

  /**
   * The guest-physical address behind fault address {@code address}, or -1 if the guest has none.
   */
  long gpaOf(long address);

  /** Whether an entry maps {@code address}. */
  boolean isMapped(long address);

  /** The size the hypervisor maps {@code address} at. */
  PageSize mapSize(Memslot s, long address);

  /**
   * Installs the entry for a fault on {@code address} if none maps it yet.
   *
   * @return whether this call installed it (false: another fault got there first)
   */
  boolean install(Memslot s, long address, boolean write);

  /**
   * Whether the tables down to the one that holds the entry for {@code address} are all linked (or
   * a leaf already maps it), so that a fault only has to install its entry.
   */
  default boolean hasTableFor(Memslot s, long address) {
    return true;
  }

  /** Table pages allocated so far (including pages since freed). */
  default long tablePages() {
    return 0;
  }

  /** Whether dirty logging is on (then write faults may only need a write-protection fix). */
  default boolean isLogging() {
    return false;
  }

  /** Whether {@code address} is mapped read-only for dirty logging. */
  default boolean isWriteProtected(long address) {
    return false;
  }

  /** Whether a write to {@code address} must first split a huge mapping. */
  default boolean needsSplit(long address) {
    return false;
  }

  /**
   * Under dirty logging, a write to a write-protected huge mapping: maps the faulting 4 KiB page,
   * splitting the huge one in place or zapping it; returns the cycles (under the MMU lock).
   */
  default long hugePageWriteFault(Memslot s, long address, boolean splitInPlace) {
    throw new UnsupportedOperationException("no dirty logging on these tables");
  }

  /** Makes {@code address} writable again under dirty logging; returns the cycles. */
  default long writeProtectFault(Memslot s, long address) {
    throw new UnsupportedOperationException("no dirty logging on these tables");
  }
}
