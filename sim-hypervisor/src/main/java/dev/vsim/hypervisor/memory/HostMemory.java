package dev.vsim.hypervisor.memory;

import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import java.util.ArrayList;
import java.util.List;

/**
 * The host memory behind one VM's memslots: pages are allocated on first use (get_user_pages faults
 * them in) in units of the slot's backing page, zeroed before the guest can see them, and
 * optionally pinned. Tracks the VM's resident and pinned memory.
 */
public final class HostMemory {
  private final List<Memslot> slots = new ArrayList<>();
  private final List<long[]> resident = new ArrayList<>(); // bit per backing page
  private long residentBytes;
  private long pinnedBytes;
  private long zeroedBytes;

  /**
   * @param stats the VM's group for memory statistics ({@code vm0.host_memory})
   */
  public HostMemory(StatGroup stats) {
    stats.gauge("resident_bytes", Unit.BYTES, "Host memory backing this VM", () -> residentBytes);
    stats.gauge("pinned_bytes", Unit.BYTES, "Host memory pinned for this VM", () -> pinnedBytes);
    stats.gauge(
        "zeroed_bytes",
        Unit.BYTES,
        "Host memory zeroed before it backed this VM",
        () -> zeroedBytes);
  }

  /** Registers a memslot, numbered in order from 0; nothing is allocated yet. */
  public Memslot add(Memslot slot) {
    if (slot.id() != slots.size()) {
      throw new IllegalArgumentException(
          "memslot " + slot.id() + " added as slot " + slots.size() + ": number them in order");
    }
    for (Memslot s : slots) {
      if (slot.gpaBase() < s.gpaBase() + s.bytes() && s.gpaBase() < slot.gpaBase() + slot.bytes()) {
        throw new IllegalArgumentException("memslot " + slot.id() + " overlaps slot " + s.id());
      }
    }
    slots.add(slot);
    long pages = slot.bytes() / slot.backing().pageBytes();
    resident.add(new long[(int) ((pages + 63) >>> 6)]);
    return slot;
  }

  public List<Memslot> slots() {
    return List.copyOf(slots);
  }

  /** The slot holding {@code gpa}, or null (an MMIO address). */
  public Memslot slotOf(long gpa) {
    for (int i = 0; i < slots.size(); i++) {
      if (slots.get(i).contains(gpa)) {
        return slots.get(i);
      }
    }
    return null;
  }

  private int indexOf(Memslot s) {
    if (s.id() >= slots.size() || slots.get(s.id()) != s) {
      throw new IllegalArgumentException("memslot " + s.id() + " is not registered");
    }
    return s.id();
  }

  /** Whether the host page behind {@code gpa} is resident. */
  public boolean isResident(Memslot s, long gpa) {
    long page = (gpa - s.gpaBase()) / s.backing().pageBytes();
    return (resident.get(indexOf(s))[(int) (page >>> 6)] & (1L << page)) != 0;
  }

  /**
   * Makes the host page behind {@code gpa} resident, as get_user_pages does for a page not yet
   * faulted in.
   *
   * @return bytes the host must zero before mapping it (0 if it was already resident)
   */
  public long faultIn(Memslot s, long gpa) {
    long[] bits = resident.get(indexOf(s));
    long page = (gpa - s.gpaBase()) / s.backing().pageBytes();
    long mask = 1L << page;
    if ((bits[(int) (page >>> 6)] & mask) != 0) {
      return 0;
    }
    bits[(int) (page >>> 6)] |= mask;
    long bytes = s.backing().pageBytes();
    residentBytes += bytes;
    zeroedBytes += bytes;
    return bytes;
  }

  /**
   * Faults in and pins every page of the slot (pre-population pins guest memory).
   *
   * @return bytes zeroed
   */
  public long pinAll(Memslot s) {
    long zeroed = 0;
    for (long off = 0; off < s.bytes(); off += s.backing().pageBytes()) {
      zeroed += faultIn(s, s.gpaBase() + off);
    }
    pinnedBytes += s.bytes();
    return zeroed;
  }

  public long residentBytes() {
    return residentBytes;
  }

  public long pinnedBytes() {
    return pinnedBytes;
  }
}
