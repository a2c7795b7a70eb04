package dev.vsim.cpu.profile;

import dev.vsim.cpu.units.TimeSpan;
import java.util.Objects;

/**
 * One package idle state (PC2, PC3, PC6, PC7): the uncore's own power state, which no software
 * requests. The package resolves to the deepest state whose core condition holds (every core of the
 * package in {@code minCoreState} or deeper), whose entry delay has passed and whose exit latency
 * the platform tolerates ({@link Power#packageLatencyTolerance}); while the cores qualify for no
 * deeper state, it is held in the shallowest one (PC2 on Intel parts, the state in which the
 * package coordinates with the platform).
 *
 * @param minCoreState the shallowest core state (a key of {@link Power#coreStates}) that every core
 *     must be in, or deeper, for the package to enter this state
 * @param entryDelay how long that condition must have held before the package enters the state (the
 *     power control unit's coordination with the platform)
 * @param exitLatency the package's interrupt response time from this state (Intel's IRTL), which
 *     the platform's latency tolerance must cover
 */
public record PackageCState(String minCoreState, TimeSpan entryDelay, TimeSpan exitLatency) {
  public PackageCState {
    Objects.requireNonNull(minCoreState, "minCoreState");
    Objects.requireNonNull(entryDelay, "entryDelay");
    Objects.requireNonNull(exitLatency, "exitLatency");
  }

  /** A state with no exit latency of its own (it is within the cores' exit latencies). */
  public PackageCState(String minCoreState, TimeSpan entryDelay) {
    this(minCoreState, entryDelay, TimeSpan.cycles(0));
  }
}
