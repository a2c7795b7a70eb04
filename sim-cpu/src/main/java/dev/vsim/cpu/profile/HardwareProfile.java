package dev.vsim.cpu.profile;

import java.util.Map;
import java.util.Objects;

/**
 * Everything the simulator knows about a host machine: its shape, its clocks, the geometry and
 * latency of every structure, and the cost of every hardware and hypervisor path. Bundled profiles
 * are JSON documents; every numeric parameter carries a source in {@link #sources} (keyed by the
 * parameter's JSON pointer), so a reader can see where each number comes from.
 *
 * @param name the name users select the profile by (e.g. {@code "xeon-gold-6142"})
 * @param description one line describing the machine modelled
 * @param topology sockets, cores and SMT threads
 * @param frequency clocks; simulated time is counted in cycles of {@code frequency.baseHz}
 * @param caches data cache hierarchy that prices page-walk references
 * @param dram main memory latency and bandwidth
 * @param tlb translation lookaside buffers
 * @param pagingStructureCaches caches of upper-level paging-structure entries
 * @param vmx VM exit and entry transition costs
 * @param hypervisor software path costs of the hypervisor's exit handlers
 * @param mmu costs of the hypervisor's EPT fault path and EPT maintenance
 * @param hostMm what the host kernel's memory management shares between faulting threads, and its
 *     costs
 * @param power core and package idle states and turbo frequency limits
 * @param coherence cache-line transfers between hardware threads by their distance; may be omitted:
 *     every transfer costs the flat figure of the structure that moves the line ({@code
 *     mmu.lockHandoffCycles}, {@code hostMm.cacheLineTransferCycles})
 * @param sources parameter JSON pointer to the source of its value
 */
public record HardwareProfile(
    String name,
    String description,
    Topology topology,
    Frequency frequency,
    CacheHierarchy caches,
    Dram dram,
    TlbHierarchy tlb,
    PagingStructureCaches pagingStructureCaches,
    VmxCosts vmx,
    HypervisorCosts hypervisor,
    MmuCosts mmu,
    HostMmCosts hostMm,
    Power power,
    @MayOmit Coherence coherence,
    Map<String, String> sources) {

  /** A profile without distance-dependent line transfers (flat figures). */
  public HardwareProfile(
      String name,
      String description,
      Topology topology,
      Frequency frequency,
      CacheHierarchy caches,
      Dram dram,
      TlbHierarchy tlb,
      PagingStructureCaches pagingStructureCaches,
      VmxCosts vmx,
      HypervisorCosts hypervisor,
      MmuCosts mmu,
      HostMmCosts hostMm,
      Power power,
      Map<String, String> sources) {
    this(
        name,
        description,
        topology,
        frequency,
        caches,
        dram,
        tlb,
        pagingStructureCaches,
        vmx,
        hypervisor,
        mmu,
        hostMm,
        power,
        null,
        sources);
  }

  public HardwareProfile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(topology, "topology");
    Objects.requireNonNull(frequency, "frequency");
    Objects.requireNonNull(caches, "caches");
    Objects.requireNonNull(dram, "dram");
    Objects.requireNonNull(tlb, "tlb");
    Objects.requireNonNull(pagingStructureCaches, "pagingStructureCaches");
    Objects.requireNonNull(vmx, "vmx");
    Objects.requireNonNull(hypervisor, "hypervisor");
    Objects.requireNonNull(mmu, "mmu");
    Objects.requireNonNull(hostMm, "hostMm");
    Objects.requireNonNull(power, "power");
    // Simulated time counts base-clock cycles; turbo only reports how fast busy cores ran.
    if (power.turbo().maxHz() > frequency.maxTurboHz()) {
      throw new IllegalArgumentException(
          "power.turbo allows "
              + power.turbo().maxHz()
              + " Hz, above frequency.maxTurboHz ("
              + frequency.maxTurboHz()
              + ")");
    }
    if (power.turbo().allCoresActiveHz() < frequency.baseHz()) {
      throw new IllegalArgumentException(
          "power.turbo.allCoresActiveHz ("
              + power.turbo().allCoresActiveHz()
              + ") is below frequency.baseHz ("
              + frequency.baseHz()
              + "), which every core is guaranteed");
    }
    description = description == null ? "" : description;
    sources = sources == null ? Map.of() : Map.copyOf(sources);
  }

  /** Number of hardware threads (logical CPUs) on the host. */
  public int hardwareThreads() {
    return topology.hardwareThreads();
  }
}
