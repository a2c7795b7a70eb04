package dev.vsim.scenarios.model;

import dev.vsim.cpu.units.TimeSpan;

/**
 * When a run ends. A run ends when every workload has finished, or at {@code after} simulated time,
 * whichever comes first; a run cut off by {@code after} says so in its summary.
 *
 * @param after the simulated-time limit
 */
public record StopSpec(TimeSpan after) {
  public StopSpec {
    after = after == null ? TimeSpan.seconds(600) : after;
    if (after.amount() == 0) {
      throw new IllegalArgumentException("after must be longer than zero, e.g. \"10ms\"");
    }
  }
}
