package dev.vsim.cpu.vmx;

/**
 * The next thing a vCPU does in guest mode, filled in by the guest's {@link GuestCode} into a
 * holder the vCPU reuses. One operation may stand for a loop: {@code repeat} iterations of {@code
 * cycles} of guest work followed by the exiting instruction described in {@link #exit()}.
 */
public final class GuestOp {
  /** What kind of operation. */
  public enum Kind {
    /** Run guest code for {@code cycles}, with no exit. */
    COMPUTE,
    /**
     * Run {@code cycles} of guest code, then execute an instruction that exits (CPUID, VMCALL,
     * WRMSR, HLT...), {@code repeat} times in a row.
     */
    EXIT,
    /**
     * Run {@code cycles} of guest code, then move {@code bytes} through the memory system at no
     * more than {@code maxBytesPerSecond}; how long that takes depends on the other streams sharing
     * the memory bandwidth.
     */
    STREAM,
    /**
     * MWAIT in guest mode (MWAIT exits disabled): the pCPU idles in the C-state of {@code hint} for
     * {@code cycles}, then leaves it (its exit latency) and the guest goes on.
     */
    MWAIT,
    /** The guest has nothing more to run on this vCPU. */
    DONE
  }

  private Kind kind;
  private long cycles;
  private long repeat;
  private long bytes;
  private long maxBytesPerSecond;
  private int mwaitHint;
  private final VmExit exit = new VmExit();

  /** Guest work with no exit. */
  public void compute(long n) {
    kind = Kind.COMPUTE;
    cycles = n;
    repeat = 1;
  }

  /**
   * {@code times} iterations of {@code cyclesBefore} guest cycles and an exiting instruction; fill
   * the instruction through the returned {@link VmExit}.
   */
  public VmExit exit(ExitReason reason, long cyclesBefore, long times) {
    if (times < 1) {
      throw new IllegalArgumentException("repeat must be at least 1");
    }
    kind = Kind.EXIT;
    cycles = cyclesBefore;
    repeat = times;
    return exit.reset(reason);
  }

  /** {@code cyclesBefore} guest cycles, then {@code n} bytes of memory traffic. */
  public void stream(long cyclesBefore, long n, long maxRate) {
    if (n < 1 || maxRate < 1) {
      throw new IllegalArgumentException("a stream moves at least one byte at a positive rate");
    }
    kind = Kind.STREAM;
    cycles = cyclesBefore;
    repeat = 1;
    bytes = n;
    maxBytesPerSecond = maxRate;
  }

  /** MWAIT with {@code hint} (EAX) for {@code n} cycles, until the guest's next timer. */
  public void mwait(long n, int hint) {
    kind = Kind.MWAIT;
    cycles = n;
    repeat = 1;
    mwaitHint = hint;
  }

  /** The MWAIT hint of a {@link Kind#MWAIT}. */
  public int mwaitHint() {
    return mwaitHint;
  }

  /** Nothing more to run. */
  public void done() {
    kind = Kind.DONE;
    cycles = 0;
    repeat = 0;
  }

  public Kind kind() {
    return kind;
  }

  public long cycles() {
    return cycles;
  }

  public long repeat() {
    return repeat;
  }

  /** Bytes of memory traffic of a {@link Kind#STREAM}. */
  public long bytes() {
    return bytes;
  }

  public long maxBytesPerSecond() {
    return maxBytesPerSecond;
  }

  public VmExit exit() {
    return exit;
  }
}
