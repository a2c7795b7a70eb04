package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.ByteSize;
import dev.vsim.hypervisor.memory.Backing;
import dev.vsim.hypervisor.memory.MemoryPolicy;
import dev.vsim.hypervisor.mmu.VmMemory;
import java.util.List;

/**
 * One virtual machine.
 *
 * @param name statistics prefix; defaults to {@code vm<index>}
 * @param vcpus number of vCPUs
 * @param memory guest physical memory
 * @param workload what every vCPU of the guest runs
 * @param guestPageSize page size of the guest's own page tables (4KiB, 2MiB or 1GiB)
 * @param hostPageSize page size backing guest memory in EPT or shadow tables
 * @param pagingLevels levels of every paging structure (4, or 5 for LA57 and 5-level EPT)
 * @param backing host memory behind guest memory: {@code anonymous} (4 KiB pages), {@code thp},
 *     {@code hugetlb-2m} or {@code hugetlb-1g}; defaults to the one whose page is {@code
 *     hostPageSize}
 * @param cacheModel {@code per-vcpu} (the default: each vCPU's walks and data go through an L1D and
 *     L2 of its own, a core's private levels, and the LLC of the host socket it runs on, which
 *     every vCPU on that socket shares, of this VM or another), {@code private-llc} (a what-if: the
 *     LLC is the vCPU's own too) or {@code per-vm} (one model of every level for all the VM's
 *     vCPUs: far less memory for VMs of many vCPUs, at the cost of L1D and L2 contents shared
 *     between them)
 * @param memoryPolicy where the host places guest memory on a multi-socket host, as numactl sets
 *     the VMM's policy: {@code local} (the default, Linux's: the node of the CPU whose thread first
 *     touches a page), {@code bind:N} (--membind=N) or {@code interleave} (--interleave=all)
 */
public record VmSpec(
    String name,
    Integer vcpus,
    ByteSize memory,
    WorkloadSpec workload,
    ByteSize guestPageSize,
    ByteSize hostPageSize,
    Integer pagingLevels,
    String backing,
    String cacheModel,
    String memoryPolicy) {
  public static final int MAX_VCPUS = 1024;

  private static final List<String> CACHE_MODELS = List.of("per-vcpu", "private-llc", "per-vm");

  public VmSpec {
    vcpus = vcpus == null ? 1 : vcpus;
    try {
      memoryPolicy = MemoryPolicy.parse(memoryPolicy).toString();
    } catch (IllegalArgumentException e) {
      // The message must start with the component's name to be reported at it ("memory policy"
      // was reported at "memory").
      throw new IllegalArgumentException(
          e.getMessage().replaceFirst("^memory policy", "memoryPolicy"), e);
    }
    if (vcpus < 1 || vcpus > MAX_VCPUS) {
      throw new IllegalArgumentException(
          "vcpus must be between 1 and " + MAX_VCPUS + ", got " + vcpus);
    }
    memory = memory == null ? ByteSize.ofGiB(1) : memory;
    if (memory.bytes() < ByteSize.MIB || memory.bytes() % (4 * ByteSize.KIB) != 0) {
      throw new IllegalArgumentException(
          "memory must be at least 1MiB and a multiple of 4KiB, got " + memory);
    }
    if (memory.bytes() > VmMemory.MAX_RAM_BYTES) {
      throw new IllegalArgumentException(
          "memory must be at most "
              + ByteSize.ofBytes(VmMemory.MAX_RAM_BYTES)
              + " (the simulator's physical layout), got "
              + memory);
    }
    if (name != null && !name.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException(
          "name \"" + name + "\" must start with a lower-case letter and use a-z, 0-9, _");
    }
    if (workload == null) {
      throw new IllegalArgumentException("a VM needs a \"workload\"");
    }
    guestPageSize = pageSize("guestPageSize", guestPageSize);
    hostPageSize = pageSize("hostPageSize", hostPageSize);
    pagingLevels = pagingLevels == null ? 4 : pagingLevels;
    if (pagingLevels != 4 && pagingLevels != 5) {
      throw new IllegalArgumentException("pagingLevels must be 4 or 5, got " + pagingLevels);
    }
    workload.checkFits(vcpus, memory);
    workload = workload.resolvedFor(vcpus);
    if (backing == null) {
      backing =
          hostPageSize.bytes() == 4 * ByteSize.KIB
              ? Backing.ANONYMOUS.id()
              : hostPageSize.bytes() == 2 * ByteSize.MIB
                  ? Backing.HUGETLB_2M.id()
                  : Backing.HUGETLB_1G.id();
    }
    String b = backing;
    if (java.util.Arrays.stream(Backing.values()).noneMatch(k -> k.id().equals(b))) {
      throw new IllegalArgumentException(
          "backing \"" + backing + "\" is unknown; use anonymous, thp, hugetlb-2m or hugetlb-1g");
    }
    if (Backing.of(backing).pageBytes() != hostPageSize.bytes()) {
      throw new IllegalArgumentException(
          "backing \""
              + backing
              + "\" has "
              + ByteSize.ofBytes(Backing.of(backing).pageBytes())
              + " pages but hostPageSize is "
              + hostPageSize);
    }
    cacheModel = cacheModel == null ? "per-vcpu" : cacheModel;
    if (!CACHE_MODELS.contains(cacheModel)) {
      throw new IllegalArgumentException(
          "cacheModel \"" + cacheModel + "\" is unknown; use per-vcpu, private-llc or per-vm");
    }
    long align = Math.max(guestPageSize.bytes(), hostPageSize.bytes());
    if (memory.bytes() % align != 0) {
      throw new IllegalArgumentException(
          "memory must be a multiple of the page sizes (" + ByteSize.ofBytes(align) + ")");
    }
  }

  private static ByteSize pageSize(String field, ByteSize s) {
    if (s == null) {
      return ByteSize.ofKiB(4);
    }
    long b = s.bytes();
    if (b != 4 * ByteSize.KIB && b != 2 * ByteSize.MIB && b != ByteSize.GIB) {
      throw new IllegalArgumentException(field + " must be 4KiB, 2MiB or 1GiB, got " + s);
    }
    return s;
  }

  /** Whether one cache model serves all the VM's vCPUs. */
  public boolean sharesCacheModel() {
    return cacheModel.equals("per-vm");
  }

  /** Whether each vCPU's cache model ends in the LLC of the host socket it runs on. */
  public boolean usesSocketLlc() {
    return cacheModel.equals("per-vcpu");
  }

  /** This VM's name, or {@code vm<index>} when none was given. */
  public String nameOr(int index) {
    return name != null ? name : "vm" + index;
  }
}
