package dev.vsim.cpu.profile;

/**
 * Core clocks.
 *
 * @param baseHz the base (guaranteed) frequency; the simulator's cycle is one cycle of this clock
 * @param maxTurboHz the highest single-core turbo frequency
 */
public record Frequency(long baseHz, long maxTurboHz) {
  /**
   * The fastest clock the simulator takes: 1 THz (cycle counts of seconds stay far from overflow).
   */
  public static final long MAX_HZ = 1_000_000_000_000L;

  public Frequency {
    Checks.positive("baseHz", baseHz);
    if (baseHz > MAX_HZ || maxTurboHz > MAX_HZ) {
      String which = baseHz > MAX_HZ ? "baseHz" : "maxTurboHz";
      throw new IllegalArgumentException(
          which
              + " must be at most "
              + MAX_HZ
              + " (1 THz), got "
              + (baseHz > MAX_HZ ? baseHz : maxTurboHz));
    }
    if (maxTurboHz < baseHz) {
      throw new IllegalArgumentException(
          "maxTurboHz (" + maxTurboHz + ") must be at least baseHz (" + baseHz + ")");
    }
  }
}
