package dev.vsim.scenarios.model;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The host machine.
 *
 * @param profile name of a bundled hardware profile ({@code vsim profiles} lists them)
 * @param overrides changes to the profile, deep-merged into it: what-if hardware such as {@code
 *     {"tlb": {"stlb": {"entries": 2048, "ways": 16}}}}; members that are JSON pointers ({@code
 *     "/dram/latencyCycles": 300}) set one field
 * @param idleGovernor the host OS's idle governor ({@code vsim plugins idle-governor} lists them),
 *     which picks the C-state of a pCPU with nothing to run; {@code menu} by default
 */
public record HostSpec(String profile, ObjectNode overrides, String idleGovernor) {
  public static final String DEFAULT_PROFILE = "xeon-gold-6142";

  /** The idle governor runs use when a scenario names none. */
  public static final String DEFAULT_IDLE_GOVERNOR = "menu";

  public HostSpec(String profile, ObjectNode overrides) {
    this(profile, overrides, null);
  }

  public HostSpec {
    profile = profile == null ? DEFAULT_PROFILE : profile;
    idleGovernor = idleGovernor == null ? DEFAULT_IDLE_GOVERNOR : idleGovernor;
    overrides = overrides == null ? JsonNodeFactory.instance.objectNode() : overrides;
  }
}
