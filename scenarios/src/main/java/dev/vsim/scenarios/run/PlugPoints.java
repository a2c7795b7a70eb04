package dev.vsim.scenarios.run;

import dev.vsim.cpu.cache.CacheReplacementPolicies;
import dev.vsim.cpu.power.IdleGovernors;
import dev.vsim.cpu.registry.Registry;
import dev.vsim.guest.apic.IpiSender;
import dev.vsim.hypervisor.mmu.FaultDesign;
import dev.vsim.hypervisor.mmu.VmMemory;
import dev.vsim.hypervisor.sched.HostScheduler;
import dev.vsim.mmu.tlb.ReplacementPolicies;
import dev.vsim.scenarios.model.WorkloadSpecs;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The catalogue of plug points: every {@link Registry} a scenario or a hardware profile picks names
 * from, for {@code vsim plugins}. A new plug point is one more line in {@link #all()}.
 */
public final class PlugPoints {
  private PlugPoints() {}

  /** Every plug point, in the order {@code vsim plugins} lists them. */
  public static List<Registry<?>> all() {
    return List.of(
        WorkloadSpecs.REGISTRY,
        VmMemory.PAGING,
        FaultDesign.REGISTRY,
        HostScheduler.REGISTRY,
        ReplacementPolicies.REGISTRY,
        CacheReplacementPolicies.REGISTRY,
        IdleGovernors.REGISTRY,
        IpiSender.MODES);
  }

  /**
   * The name a plug point is selected by on the command line: "tlb replacement policy" →
   * "tlb-replacement-policy".
   */
  public static String id(Registry<?> r) {
    return r.plugPoint().toLowerCase(Locale.ROOT).replace(' ', '-');
  }

  /** The plug point of this command-line name. */
  public static Optional<Registry<?>> find(String id) {
    return all().stream().filter(r -> id(r).equals(id)).findFirst();
  }

  /**
   * The plug points as a registry of their own, so that a misspelt plug point gets the same
   * did-you-mean as a misspelt name.
   */
  public static Registry<Registry<?>> catalogue() {
    Registry<Registry<?>> c = new Registry<>("plug point", "what can be picked by name");
    for (Registry<?> r : all()) {
      c.register(id(r), r.doc(), r);
    }
    return c;
  }
}
