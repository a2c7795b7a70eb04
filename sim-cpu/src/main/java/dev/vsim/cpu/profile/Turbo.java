package dev.vsim.cpu.profile;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Turbo frequency limits by the number of active cores in a package, in the shape of Intel's
 * published turbo bins.
 *
 * @param maxHzUpToActiveCores the highest core frequency while at most this many cores of the
 *     package are active, keyed by that count as a decimal string: {@code {"2": 3.7 GHz, "4": 3.5
 *     GHz}} means 1-2 active cores run at up to 3.7 GHz and 3-4 at up to 3.5 GHz
 * @param allCoresActiveHz the frequency with more active cores than the largest key (the all-core
 *     turbo)
 * @param inactiveCoreState the shallowest core state (a key of {@link Power#coreStates}) in which a
 *     core no longer counts as active; cores in C0 and in shallower states do
 */
public record Turbo(
    Map<String, Long> maxHzUpToActiveCores, long allCoresActiveHz, String inactiveCoreState) {
  public Turbo {
    Objects.requireNonNull(maxHzUpToActiveCores, "maxHzUpToActiveCores");
    Objects.requireNonNull(inactiveCoreState, "inactiveCoreState");
    Checks.positive("allCoresActiveHz", allCoresActiveHz);
    long previous = Long.MAX_VALUE;
    for (Map.Entry<Integer, Long> bin : bins(maxHzUpToActiveCores).entrySet()) {
      Checks.positive("maxHzUpToActiveCores/" + bin.getKey(), bin.getValue());
      if (bin.getValue() > previous) {
        throw new IllegalArgumentException(
            "maxHzUpToActiveCores must not rise with more active cores, but "
                + bin.getKey()
                + " cores allow "
                + bin.getValue()
                + " Hz, more than "
                + previous);
      }
      previous = bin.getValue();
    }
    if (allCoresActiveHz > previous) {
      throw new IllegalArgumentException(
          "allCoresActiveHz ("
              + allCoresActiveHz
              + ") exceeds the last turbo bin ("
              + previous
              + ")");
    }
    maxHzUpToActiveCores = Map.copyOf(maxHzUpToActiveCores);
  }

  /** The frequency limit with {@code activeCores} active cores (1 or more). */
  public long hz(int activeCores) {
    Map.Entry<Integer, Long> bin = bins(maxHzUpToActiveCores).ceilingEntry(activeCores);
    return bin == null ? allCoresActiveHz : bin.getValue();
  }

  /** The highest frequency any bin allows (the single-core turbo). */
  public long maxHz() {
    return hz(1);
  }

  private static TreeMap<Integer, Long> bins(Map<String, Long> byText) {
    TreeMap<Integer, Long> out = new TreeMap<>();
    for (Map.Entry<String, Long> e : byText.entrySet()) {
      int cores;
      try {
        cores = Integer.parseInt(e.getKey());
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(
            "maxHzUpToActiveCores keys are active-core counts, got \"" + e.getKey() + "\"");
      }
      Checks.positive("active-core count", cores);
      Objects.requireNonNull(e.getValue(), "maxHzUpToActiveCores/" + e.getKey());
      if (out.put(cores, e.getValue()) != null) {
        throw new IllegalArgumentException(
            "maxHzUpToActiveCores lists " + cores + " active cores twice");
      }
    }
    return out;
  }
}
