package dev.vsim.hypervisor.memory;

import dev.vsim.cpu.memory.NumaNodes;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import java.util.ArrayList;
import java.util.List;

/**
 * The host memory behind one VM's memslots: pages are allocated on first use (get_user_pages faults
 * them in) in units of the slot's backing page, zeroed before the guest can see them, and
 * optionally pinned. Tracks the VM's resident and pinned memory. On a host of several NUMA nodes
 * each page is placed on a node by the VM's {@link MemoryPolicy} (by default the node of the CPU
 * whose thread faults it in) and remembers it.
 */
public final class HostMemory {
  private final List<Memslot> slots = new ArrayList<>();
  private final List<long[]> resident = new ArrayList<>(); // bit per backing page
  private final List<byte[]> node = new ArrayList<>(); // node per backing page (several nodes)
  private final NumaNodes numa; // null: one node
  private final MemoryPolicy policy;
  private final int nodes;
  private final long[] nodeBytes;
  private long residentBytes;
  private long pinnedBytes;
  private long zeroedBytes;

  /**
   * @param stats the VM's group for memory statistics ({@code vm0.host_memory})
   */
  public HostMemory(StatGroup stats) {
    this(stats, null, MemoryPolicy.LOCAL);
  }

  /**
   * Host memory on {@code numa}'s nodes (null: one), placed by {@code policy}; with several nodes
   * the bytes on each go to {@code node<N>.resident_bytes}.
   */
  public HostMemory(StatGroup stats, NumaNodes numa, MemoryPolicy policy) {
    this.numa = numa;
    this.policy = policy;
    this.nodes = numa == null ? 1 : numa.count();
    if (policy.kind() == MemoryPolicy.Kind.BIND && policy.node() >= nodes) {
      throw new IllegalArgumentException(
          "memory policy bind:" + policy.node() + " names no node: the host has " + nodes);
    }
    this.nodeBytes = new long[nodes];
    if (nodes > 1) {
      for (int n = 0; n < nodes; n++) {
        int k = n;
        stats
            .group("node" + n)
            .gauge(
                "resident_bytes",
                Unit.BYTES,
                "Host memory backing this VM on this node",
                () -> nodeBytes[k]);
      }
    }
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
    node.add(nodes > 1 ? new byte[(int) pages] : null);
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
    return faultIn(s, gpa, -1);
  }

  /**
   * As {@link #faultIn(Memslot, long)}, by a thread on host CPU {@code cpu} (-1: on node 0): the
   * page goes to the node the policy gives.
   */
  public long faultIn(Memslot s, long gpa, int cpu) {
    int index = indexOf(s);
    long[] bits = resident.get(index);
    long page = (gpa - s.gpaBase()) / s.backing().pageBytes();
    long mask = 1L << page;
    if ((bits[(int) (page >>> 6)] & mask) != 0) {
      return 0;
    }
    bits[(int) (page >>> 6)] |= mask;
    long bytes = s.backing().pageBytes();
    int n = 0;
    if (nodes > 1) {
      n = policy.nodeFor(page, numa.nodeOf(cpu), nodes);
      node.get(index)[(int) page] = (byte) n;
    }
    nodeBytes[n] += bytes;
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
      // The VMM's thread that registers memory (on CPU 0) faults it all in.
      zeroed += faultIn(s, s.gpaBase() + off, 0);
    }
    pinnedBytes += s.bytes();
    return zeroed;
  }

  /** The node of the host page behind {@code gpa} (0 if it is not resident or on one node). */
  public int nodeOf(Memslot s, long gpa) {
    byte[] n = node.get(indexOf(s));
    return n == null ? 0 : n[(int) ((gpa - s.gpaBase()) / s.backing().pageBytes())];
  }

  /**
   * The node of host-physical address {@code hpa}, or -1 if it is in none of the VM's memslots (the
   * hypervisor's own tables).
   */
  public int nodeOfHpa(long hpa) {
    for (int i = 0; i < slots.size(); i++) {
      Memslot s = slots.get(i);
      long off = hpa - s.hostBase();
      if (off >= 0 && off < s.bytes()) {
        byte[] n = node.get(i);
        return n == null ? 0 : n[(int) (off / s.backing().pageBytes())];
      }
    }
    return -1;
  }

  /** Bytes of this VM on node {@code n}. */
  public long nodeBytes(int n) {
    return nodeBytes[n];
  }

  public MemoryPolicy policy() {
    return policy;
  }

  public long residentBytes() {
    return residentBytes;
  }

  public long pinnedBytes() {
    return pinnedBytes;
  }
}
