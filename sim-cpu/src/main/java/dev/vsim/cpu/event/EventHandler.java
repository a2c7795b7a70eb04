package dev.vsim.cpu.event;

/**
 * Something that reacts when one of its events fires. Components implement it once and schedule
 * themselves with a {@code long} argument that says what to do, so no event allocates.
 */
@FunctionalInterface
public interface EventHandler {
  /**
   * @param now the simulated time of the event, in host cycles
   * @param arg the argument given when the event was scheduled
   */
  void onEvent(long now, long arg);
}
