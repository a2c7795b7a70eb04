package dev.vsim.cpu.profile;

import dev.vsim.cpu.units.TimeSpan;
import java.util.Objects;

/**
 * One core idle state (C1, C1E, C6...) as the OS idle driver describes it.
 *
 * @param mwaitHint the MWAIT hint (EAX) that requests the state; the upper nibble is the C-state
 *     minus one and the lower nibble the sub-state, so hints order the states from shallow to deep
 * @param exitLatency worst-case time from a wake-up event to the core executing again
 * @param targetResidency the shortest idle period for which entering the state saves energy (the
 *     break-even residency an idle governor compares its prediction with)
 */
public record CoreCState(int mwaitHint, TimeSpan exitLatency, TimeSpan targetResidency) {
  public CoreCState {
    if (mwaitHint < 0 || mwaitHint > 0xFF) {
      throw new IllegalArgumentException("mwaitHint must be a byte (0..255), got " + mwaitHint);
    }
    Objects.requireNonNull(exitLatency, "exitLatency");
    Objects.requireNonNull(targetResidency, "targetResidency");
  }

  /** The MWAIT hint's C-state field: 0 for C1, 1 for C2/C3-class states, 2 for C6... */
  public int mwaitCState() {
    return mwaitHint >>> 4;
  }
}
