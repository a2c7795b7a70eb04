package dev.vsim.cpu.profile;

import dev.vsim.cpu.units.TimeSpan;
import java.util.Objects;

/**
 * One package idle state (PC2, PC6): the uncore's own power state, entered only while every core of
 * the package is idle deeply enough.
 *
 * @param minCoreState the shallowest core state (a key of {@link Power#coreStates}) that every core
 *     must be in, or deeper, for the package to enter this state
 * @param entryDelay how long that condition must have held before the package enters the state (the
 *     power control unit's coordination with the platform)
 */
public record PackageCState(String minCoreState, TimeSpan entryDelay) {
  public PackageCState {
    Objects.requireNonNull(minCoreState, "minCoreState");
    Objects.requireNonNull(entryDelay, "entryDelay");
  }
}
