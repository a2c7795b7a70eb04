package dev.vsim.cpu.profile;

/**
 * Core clocks.
 *
 * @param baseHz the base (guaranteed) frequency; the simulator's cycle is one cycle of this clock
 * @param maxTurboHz the highest single-core turbo frequency
 */
public record Frequency(long baseHz, long maxTurboHz) {
  public Frequency {
    Checks.positive("baseHz", baseHz);
    if (maxTurboHz < baseHz) {
      throw new IllegalArgumentException(
          "maxTurboHz (" + maxTurboHz + ") must be at least baseHz (" + baseHz + ")");
    }
  }
}
