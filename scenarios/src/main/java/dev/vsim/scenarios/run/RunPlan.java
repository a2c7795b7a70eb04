package dev.vsim.scenarios.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.scenarios.model.Scenario;

/**
 * One configuration to simulate: the base scenario or one of its variants, fully resolved.
 *
 * @param variant "base" or the variant's name
 * @param scenario the scenario with the variant's overrides and {@code --set} values applied
 * @param profile the hardware profile with the scenario's overrides applied
 * @param profileTree the same profile as JSON, for the resolved-scenario file
 */
public record RunPlan(
    String variant, Scenario scenario, HardwareProfile profile, ObjectNode profileTree) {
  public static final String BASE = "base";

  public boolean isBase() {
    return BASE.equals(variant);
  }
}
