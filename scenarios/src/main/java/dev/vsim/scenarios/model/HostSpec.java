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
 * @param idleGovernor when present, the pCPUs' power states are modelled (C-states, package
 *     C-states, turbo frequency, from the profile's {@code power} section) and the host's cpuidle
 *     governor of this name picks the C-state of an idle pCPU
 */
public record HostSpec(String profile, ObjectNode overrides, String idleGovernor) {
  public static final String DEFAULT_PROFILE = "xeon-gold-6142";

  public HostSpec(String profile, ObjectNode overrides) {
    this(profile, overrides, null);
  }

  public HostSpec {
    profile = profile == null ? DEFAULT_PROFILE : profile;
    overrides = overrides == null ? JsonNodeFactory.instance.objectNode() : overrides;
  }
}
