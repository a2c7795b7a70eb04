package dev.vsim.guest.memory;

import dev.vsim.cpu.vmx.AddressTranslation;
import java.util.HashSet;
import java.util.Set;

/** A TLB that caches every page of the buffer until it is told to drop it. */
public final class RecordingTlb implements AddressTranslation {
  public final Set<Long> dropped = new HashSet<>();
  public int invlpgs;
  public int fullFlushes;
  public boolean ignoresFlushes; // a broken TLB, for the check

  @Override
  public long translate(long linear, boolean write) {
    return linear;
  }

  @Override
  public long lastCycles() {
    return 0;
  }

  @Override
  public int lastReferences() {
    return 0;
  }

  @Override
  public long lastFaultGpa() {
    return -1;
  }

  @Override
  public void invlpg(long linear) {
    invlpgs++;
    if (!ignoresFlushes) {
      dropped.add(linear);
    }
  }

  @Override
  public void flushContext() {
    fullFlushes++;
    if (!ignoresFlushes) {
      dropped.add(-1L); // everything
    }
  }

  @Override
  public boolean hasCachedTranslation(long linear) {
    return !dropped.contains(-1L) && !dropped.contains(linear);
  }

  @Override
  public long walks() {
    return 0;
  }

  @Override
  public long walkDramReferences() {
    return 0;
  }
}
