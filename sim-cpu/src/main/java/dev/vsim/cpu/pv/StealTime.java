package dev.vsim.cpu.pv;

/**
 * The steal-time area a guest registers with {@code MSR_KVM_STEAL_TIME} ({@code struct
 * kvm_steal_time}): the host adds the time the vCPU was runnable but not running to {@code steal}
 * and marks it preempted while it is scheduled out; the guest reads both, and sets a flush request
 * that the host honours at the next VM entry (PV TLB flush).
 */
public final class StealTime {
  /** {@code KVM_VCPU_PREEMPTED}: the vCPU is scheduled out. */
  public static final int PREEMPTED = 1;

  /** {@code KVM_VCPU_FLUSH_TLB}: flush this vCPU's TLB before it runs guest code again. */
  public static final int FLUSH_TLB = 1 << 1;

  private long steal;
  private int version;
  private int preempted;

  /** Cycles this vCPU was runnable but did not run. */
  public long steal() {
    return steal;
  }

  /** Incremented around every host update, odd while one is in progress. */
  public int version() {
    return version;
  }

  public int preemptedByte() {
    return preempted;
  }

  public boolean isPreempted() {
    return (preempted & PREEMPTED) != 0;
  }

  public boolean flushRequested() {
    return (preempted & FLUSH_TLB) != 0;
  }

  /** Host: account steal time (two version bumps, as record_steal_time does). */
  public void addSteal(long cycles) {
    version++;
    steal += cycles;
    version++;
  }

  /** Host: the vCPU is being scheduled out. */
  public void markPreempted() {
    preempted |= PREEMPTED;
  }

  /**
   * Host, before VM entry: clears the byte and reports whether a flush was requested, as KVM's
   * record_steal_time exchanges the byte with zero.
   */
  public boolean clearOnEntry() {
    boolean flush = flushRequested();
    preempted = 0;
    return flush;
  }

  /**
   * Guest: ask for a flush at the next entry if the vCPU is preempted (an atomic compare-exchange
   * of PREEMPTED to PREEMPTED|FLUSH_TLB). Returns false if it is running, so the guest must send an
   * IPI instead.
   */
  public boolean requestFlushIfPreempted() {
    if (preempted == PREEMPTED) {
      preempted = PREEMPTED | FLUSH_TLB;
      return true;
    }
    return (preempted & PREEMPTED) != 0;
  }
}
