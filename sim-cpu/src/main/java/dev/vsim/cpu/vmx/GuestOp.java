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
    /**
     * Touch memory: {@code work} cycles of guest code around loads or stores to a range of pages
     * (or a list of addresses), each translated by the vCPU's MMU. The vCPU executes it: a
     * translation that faults ends the part before it and raises the fault (an EPT violation or,
     * under shadow paging, a page-fault exit to the hypervisor; a guest page fault to the guest
     * kernel).
     */
    TOUCH,
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
  final Touch touch = new Touch();

  /** A {@link Kind#TOUCH}'s description, which the vCPU reads when it executes it. */
  static final class Touch {
    long address;
    long length;
    long step;
    long[] list; // null: the range [address, address + length) in steps
    int count;
    boolean write;
    long trafficPerPage; // 0: not streamed
    long runBytes;
    boolean priced;
  }

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

  /**
   * {@code work} cycles of guest code that touch [{@code address}, {@code address + length}) one
   * page of {@code step} bytes after another (loads, or stores if {@code write}); the translations'
   * cycles add to the work. Refine with {@link #streamed} or {@link #pricedThroughCaches}.
   */
  public GuestOp touch(long work, long address, long length, long step, boolean write) {
    if (length < 1 || step < 1 || work < 0) {
      throw new IllegalArgumentException("a touch covers at least one byte, step by step");
    }
    setTouch(work, write);
    touch.address = address;
    touch.length = length;
    touch.step = step;
    touch.list = null;
    return this;
  }

  /**
   * {@code work} cycles of guest code that touch the first {@code count} addresses of {@code
   * addresses} in order (the array is read when the vCPU executes the operation, before the guest
   * is asked for its next one).
   */
  public GuestOp touchEach(long work, long[] addresses, int count, boolean write) {
    if (count < 0 || count > addresses.length || work < 0) {
      throw new IllegalArgumentException("bad touch list of " + count + " addresses");
    }
    setTouch(work, write);
    touch.list = addresses;
    touch.count = count;
    return this;
  }

  private void setTouch(long work, boolean write) {
    kind = Kind.TOUCH;
    cycles = work;
    repeat = 1;
    touch.write = write;
    touch.trafficPerPage = 0;
    touch.runBytes = 0;
    touch.priced = false;
  }

  /**
   * The touched lines move through the shared memory bandwidth: {@code trafficPerPage} bytes each
   * page, at no more than {@code maxRate} bytes per second, in runs of at most {@code runBytes}
   * translated ahead (a run never crosses a fault).
   */
  public GuestOp streamed(long trafficPerPage, long maxRate, long runBytes) {
    if (trafficPerPage < 1 || maxRate < 1 || runBytes < 1) {
      throw new IllegalArgumentException("a streamed touch moves bytes at a rate in runs");
    }
    touch.trafficPerPage = trafficPerPage;
    maxBytesPerSecond = maxRate;
    touch.runBytes = runBytes;
    return this;
  }

  /** Each touched address's line is also accessed through the vCPU's cache hierarchy. */
  public GuestOp pricedThroughCaches() {
    touch.priced = true;
    return this;
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
