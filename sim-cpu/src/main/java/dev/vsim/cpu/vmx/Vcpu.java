package dev.vsim.cpu.vmx;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.DramBandwidth;
import dev.vsim.cpu.memory.NumaNodes;
import dev.vsim.cpu.power.PowerModel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.pv.Msr;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import java.util.function.LongUnaryOperator;

/**
 * A VMX virtual CPU as a state machine driven by the event kernel: it runs guest code until an
 * instruction exits, pays the hardware exit transition, lets the hypervisor handle the exit, pays
 * the VM entry (injecting a pending interrupt on the way in) and resumes the guest.
 *
 * <p>Loops of identical exits whose handling has no effect but its cost are costed arithmetically
 * in one event (see {@link ExitHandler#handleRepeated}); the totals equal those of stepping every
 * exit. An interrupt posted during such a loop is taken at the end of the iteration in progress,
 * when the exit that ends it re-enters the guest, as KVM injects pending interrupts at VM entry.
 */
public final class Vcpu implements EventHandler {
  /** Where the vCPU is. */
  public enum State {
    /** Not started yet. */
    IDLE,
    /** Running guest code. */
    GUEST,
    /** In the hardware VM-exit transition. */
    EXIT,
    /** In the hypervisor's exit handler. */
    HYPERVISOR,
    /** Blocked in the hypervisor (HLT with nothing pending, waiting for a lock...). */
    BLOCKED,
    /** In the hardware VM-entry transition. */
    ENTRY,
    /** The guest has finished. */
    DONE
  }

  private static final long RUN = 0;
  private static final long EXECUTE_EXIT = 1;
  private static final long EXITED = 2;
  private static final long HANDLED = 3;
  private static final long ENTERED = 4;
  private static final long BATCH_DONE = 5;
  private static final long BATCH_CUT = 6;
  private static final long INJECTED = 7;
  private static final long STREAM = 8;
  private static final long STREAMED = 9;
  private static final long MWAIT_WAKE = 10;
  private static final long POSTED = 11;
  private static final long APIC_WRITTEN = 12;
  private static final long POLL_END = 13;

  private final int index;
  private final EventKernel kernel;
  private final VmxCosts vmx;
  private final HypervisorCosts costs;
  private final StatGroup stats;
  private GuestCode guest;
  private ExitHandler handler;
  private boolean batching = true;
  private Runnable onDone = () -> {};
  private DramBandwidth memory;
  private NumaNodes numa; // with it, streams go to the memory of the node their pages are on
  private java.util.function.LongToIntFunction nodeOfHpa;
  private long[] partPages; // pages of the touch part being built, by node
  private long[] streamPages; // pages of the next STREAM operation's bytes, by node (null: own)
  private long streamTotal;
  private int streamsLeft; // streams of the STREAM operation in progress not yet done
  private long waitStart; // when the memory stream or MWAIT in progress began
  private boolean sleeping;
  private boolean polling; // halt polling: the thread spins in the host for an interrupt
  private boolean halted; // in a HLT exit's block (polling or asleep) until woken
  private long haltStart;
  private long pollEnd;
  private long pollExpected;
  private HostThread thread;
  private long pleWindow; // the VMCS's PLE window: PAUSE-loop cycles before an exit (0: off)
  private int cpl; // the guest's current privilege level (0 kernel, 3 user)
  private PowerModel power; // the pCPU's C-states, when modelled
  private int pcpu;
  private long sleepStart;
  private long computeEnd; // when the guest work in progress ends
  private long unfinishedCompute; // guest work a kick cut short, for the guest to resume
  private boolean apicv; // APIC virtualization: posted interrupts, virtualized EOI and self-IPI

  // The host scheduler may take the vCPU's thread off its pCPU at any cycle: its one outstanding
  // event is then held back and replayed, shifted by the time it was off, when it runs again.
  private long pendingEvent = -1;
  private long pendingAt;
  private long pendingPhase;
  private boolean preempted;
  private long preemptedAt;
  private long heldDelay = -1; // cycles left of the held event, or -1 if none was held
  private long heldPhase;
  private boolean heldCompute; // the held event ends guest work (computeEnd moves with it)
  // A step taken while the thread is off (an exit handler that yielded the pCPU, a wake-up of a
  // preempted vCPU) is not scheduled: an event that came due before the thread runs again would
  // only be held. It is pendingAt and pendingPhase under this sequence number (-1: none), and
  // resume() holds it, or places it under that number (exact order).
  private long futureSeq = -1;

  private State state = State.IDLE;
  private final GuestOp op = new GuestOp();
  private final VmExit exit = new VmExit();
  private long remaining;
  private long exitStart;
  private int injecting = -1;
  private final long[] irr = new long[4];
  private int pendingCount;

  private long batchStart;
  private long batchPeriod;
  private long batchExitCycles;
  private long batchGuestCycles;
  private long batchTimes;
  private long batchEvent = -1;
  private boolean batchOpen; // the loop's accounting may be ahead of time (see settleAt)
  private long batchCounted; // iterations of the loop whose costs are counted
  private long batchRest; // iterations left for after the batch (those past the time range)

  // Memory touches: the vCPU's MMU, and the touch in progress (see fillTouch).
  private AddressTranslation mmu;
  private MemoryHierarchy caches; // prices the data of touches that ask for it
  private LongUnaryOperator reference; // checking mode: the tables read in software
  private boolean pageFaultsExit; // shadow paging: every #PF exits to the hypervisor
  private boolean touching;
  private long touchNext;
  private long touchEnd;
  private long touchStep;
  private long[] touchList;
  private int touchPos;
  private int touchCount;
  private boolean touchWrite;
  private long touchWork;
  private long touchTraffic;
  private long touchRate;
  private long touchRun;
  private boolean touchPriced;
  private boolean faultPending; // a walk of the last part faulted: its exit comes next
  private long faultGpa;
  private long faultVa;
  private long faultCycles;
  private boolean reflectPending; // the hypervisor reflects a #PF to the guest
  private long touchTranslationCycles;
  private long touchDataCycles;
  private long touchWalkReferences;
  private long touchDataDram;

  private final Counter guestCycles;
  private final Counter exitCycles;
  private final Counter entryCycles;
  private final Counter hypervisorCycles;
  private final Counter memoryCycles;
  private final Counter wakeups;
  private final Counter preemptedCycles;
  private final Counter kicks;
  private final Counter sleepCycles;
  private final Counter mwaitCycles;
  private final Counter injections;
  private final Counter posted;
  private final Counter virtualApicWrites;
  private final Counter preemptionExits;
  private final Counter[] exitCount = new Counter[ExitReason.values().length];
  private final Counter[] exitRoundTrip = new Counter[ExitReason.values().length];

  /**
   * @param index the vCPU's number in its VM
   * @param stats this vCPU's statistics group (e.g. {@code vm0.vcpu3})
   */
  public Vcpu(int index, EventKernel kernel, VmxCosts vmx, HypervisorCosts costs, StatGroup stats) {
    this.index = index;
    this.kernel = kernel;
    this.vmx = vmx;
    this.costs = costs;
    this.stats = stats;
    StatGroup time = stats.group("time");
    guestCycles = time.counter("guest_cycles", Unit.CYCLES, "Cycles spent running guest code");
    exitCycles =
        time.counter(
            "exit_transition_cycles",
            Unit.CYCLES,
            "Cycles spent in VM-exit transitions (guest to host)");
    entryCycles =
        time.counter(
            "entry_transition_cycles",
            Unit.CYCLES,
            "Cycles spent in VM-entry transitions (host to guest)");
    hypervisorCycles =
        time.counter(
            "hypervisor_cycles", Unit.CYCLES, "Cycles spent in the hypervisor handling exits");
    memoryCycles =
        time.counter(
            "memory_stream_cycles",
            Unit.CYCLES,
            "Cycles spent streaming memory (bandwidth-bound copies and fills)");
    wakeups =
        stats.counter(
            "wakeups", Unit.COUNT, "Times this vCPU was woken after blocking (halted) in the host");
    preemptedCycles =
        time.counter(
            "preempted_cycles",
            Unit.CYCLES,
            "Cycles this vCPU was runnable but preempted by the host");
    kicks =
        stats
            .group("interrupts")
            .counter(
                "kicks",
                Unit.COUNT,
                "Kicks (IPIs from the host) that made this vCPU exit to take an interrupt");
    sleepCycles =
        time.counter(
            "sleep_cycles", Unit.CYCLES, "Cycles this vCPU spent halted, out of the guest");
    mwaitCycles =
        time.counter(
            "mwait_cycles",
            Unit.CYCLES,
            "Cycles this vCPU spent waiting in MWAIT, with the wake-up latency");
    injections =
        stats
            .group("interrupts")
            .counter("injected", Unit.COUNT, "Interrupts injected into the guest at VM entry");
    posted =
        stats
            .group("interrupts")
            .counter(
                "posted",
                Unit.COUNT,
                "Posted interrupts taken in guest mode without an exit (APICv)");
    virtualApicWrites =
        stats
            .group("interrupts")
            .counter(
                "virtual_apic_writes",
                Unit.COUNT,
                "EOI and self-IPI writes the CPU virtualized without an exit (APICv)");
    preemptionExits =
        stats
            .group("interrupts")
            .counter(
                "preemption_exits",
                Unit.COUNT,
                "External-interrupt exits of the host's preemption (its timer or reschedule IPI)"
                    + " of this vCPU in guest mode");
  }

  /**
   * KVM's {@code enable_apicv}: the VMCS controls of APIC virtualization. An interrupt for the vCPU
   * while it runs guest code is posted (the posted-interrupt descriptor and a notification IPI the
   * CPU processes in guest mode: no exit); writes to the x2APIC EOI and SELF_IPI registers are
   * virtualized (no exit), as KVM leaves them out of the MSR bitmap's intercepts with APICv.
   */
  public void setApicVirtualization(boolean on) {
    this.apicv = on;
  }

  public boolean apicVirtualization() {
    return apicv;
  }

  /** Connects the guest that runs on this vCPU and the hypervisor that handles its exits. */
  public void attach(GuestCode guestCode, ExitHandler exitHandler) {
    this.guest = guestCode;
    this.handler = exitHandler;
  }

  /**
   * The vCPU's address translation (its MMU over the VM's paging mode), through which it executes
   * the guest's memory touches; {@code caches} price the data of touches that ask for it.
   */
  public void setMmu(AddressTranslation translation, MemoryHierarchy caches) {
    this.mmu = translation;
    this.caches = caches;
  }

  /** The vCPU's address translation, or null if none was set. */
  public AddressTranslation mmu() {
    return mmu;
  }

  /** The cache hierarchy that prices this vCPU's data accesses, or null. */
  public MemoryHierarchy caches() {
    return caches;
  }

  /**
   * Checking mode: every translation of a touch is compared with {@code tables} (the page tables
   * read in software, -1 if unmapped), and a translation to another address stops the run.
   */
  public void checkTranslations(LongUnaryOperator tables) {
    this.reference = tables;
  }

  /** Shadow paging: the hypervisor intercepts page faults (each one a VM exit). */
  public void setPageFaultsExit(boolean on) {
    this.pageFaultsExit = on;
  }

  /**
   * The hypervisor found no guest mapping behind an intercepted page fault: the guest takes the
   * fault (injected at the next entry) before the touch goes on.
   */
  public void reflectPageFault() {
    reflectPending = true;
  }

  /** Cycles this vCPU's touches spent translating, so far. */
  public long touchTranslationCycles() {
    return touchTranslationCycles;
  }

  /** Cycles the cache hierarchy charged for the data of priced touches, so far. */
  public long touchDataCycles() {
    return touchDataCycles;
  }

  /** Walk references of this vCPU's touches, so far. */
  public long touchWalkReferences() {
    return touchWalkReferences;
  }

  /** Data accesses of priced touches that went to DRAM, so far. */
  public long touchDataDramAccesses() {
    return touchDataDram;
  }

  /** Turns batching of repeated exits off (for checking that it changes nothing). */
  /** The memory bandwidth that the guest's {@link GuestOp.Kind#STREAM} operations share. */
  public void setMemoryBandwidth(DramBandwidth bandwidth) {
    this.memory = bandwidth;
  }

  /**
   * The host's memory nodes that the guest's {@link GuestOp.Kind#STREAM} operations share: a
   * touch's stores go to the nodes of the host pages they fall in ({@code nodeOfHpa} of a page's
   * host-physical address; -1 is the vCPU's own node), in proportion to its pages on each, a stream
   * of the guest's own to the vCPU's node.
   */
  public void setMemoryNodes(NumaNodes nodes, java.util.function.LongToIntFunction nodeOfHpa) {
    this.numa = nodes;
    this.nodeOfHpa = nodeOfHpa;
    this.memory = nodes.node(0);
    this.partPages = new long[nodes.count()];
    this.streamPages = new long[nodes.count()];
  }

  public void setBatching(boolean on) {
    batching = on;
  }

  /** Called once when the guest reports it has nothing more to run. */
  public void onDone(Runnable r) {
    onDone = r;
  }

  public int index() {
    return index;
  }

  public State state() {
    return state;
  }

  public StatGroup stats() {
    return stats;
  }

  public long now() {
    return kernel.now();
  }

  public EventKernel kernel() {
    return kernel;
  }

  /** Starts executing guest code now. */
  public void start() {
    if (state != State.IDLE) {
      throw new IllegalStateException("vCPU " + index + " already started");
    }
    state = State.GUEST;
    step(kernel.now(), RUN);
  }

  /**
   * Iterations of the guest's last operation that were not run because an interrupt was taken; the
   * guest reads this in {@link GuestCode#interrupt} to resume its loop afterwards.
   */
  public long unfinishedIterations() {
    return remaining;
  }

  /**
   * Marks an interrupt pending in the virtual APIC's IRR. A blocked vCPU wakes; a vCPU in guest
   * mode takes it at its next VM entry.
   */
  public void postInterrupt(int vector) {
    // A vCPU halted in the host is woken (its waker paid the try_to_wake_up); one in guest mode is
    // kicked out (an exit) or, with APICv, takes the posted interrupt where it is; a preempted one
    // only has the bit set and takes it at its next VM entry.
    if (vector < 16 || vector > 255) {
      throw new IllegalArgumentException("bad interrupt vector " + vector);
    }
    long bit = 1L << (vector & 63);
    if ((irr[vector >>> 6] & bit) == 0) {
      irr[vector >>> 6] |= bit;
      pendingCount++;
    }
    if (state == State.BLOCKED) {
      wake();
    } else if (state == State.GUEST) {
      notifyPending();
    }
  }

  /**
   * Whether the vCPU is halted in the host: its thread sleeps after a HLT exit, and waking it takes
   * a try_to_wake_up.
   */
  public boolean isHalted() {
    return state == State.BLOCKED && sleeping;
  }

  /**
   * A pending interrupt for a vCPU in guest mode: end its batched loop, or kick its work (with
   * APICv, the posted interrupt is taken without an exit).
   */
  private void notifyPending() {
    if (preempted) {
      return; // taken when it resumes
    }
    if (batchEvent >= 0) {
      cutBatch();
    } else if (pendingEvent >= 0 && pendingPhase == RUN && guest.acceptsInterrupt(this)) {
      if (apicv) {
        takePosted();
      } else {
        kick(true);
      }
    }
  }

  /**
   * APICv: the posted-interrupt notification reaches the vCPU in guest mode; the CPU moves the
   * descriptor's PIR into the virtual IRR and delivers the highest vector through the guest's IDT.
   * No exit: the guest work it cuts short resumes after the handler.
   */
  private void takePosted() {
    long now = kernel.now();
    kernel.cancel(pendingEvent);
    pendingEvent = -1;
    unfinishedCompute = pendingAt == computeEnd ? computeEnd - now : 0;
    guestCycles.add(-unfinishedCompute);
    deliverVirtual(now);
  }

  /** Virtual-interrupt delivery of the highest pending vector, in guest mode. */
  private void deliverVirtual(long now) {
    int v = highestPending();
    clearPending(v);
    injecting = v;
    posted.increment();
    step(now + vmx.postedInterruptCycles(), POSTED);
  }

  /**
   * With APICv, a write to the x2APIC EOI or SELF_IPI register does not exit: the CPU's EOI
   * virtualization clears the in-service vector, self-IPI virtualization sets the vector in the
   * virtual IRR, and a pending virtual interrupt the guest can take is delivered at once.
   */
  private boolean virtualizedApicWrite(long now) {
    if (!apicv || op.kind() != GuestOp.Kind.EXIT || op.exit().reason() != ExitReason.MSR_WRITE) {
      return false;
    }
    int msr = op.exit().msrIndex();
    if (msr != Msr.X2APIC_EOI && msr != Msr.X2APIC_SELF_IPI) {
      return false;
    }
    if (msr == Msr.X2APIC_SELF_IPI) {
      int vector = (int) (op.exit().msrValue() & 0xff);
      long bit = 1L << (vector & 63);
      if ((irr[vector >>> 6] & bit) == 0) {
        irr[vector >>> 6] |= bit;
        pendingCount++;
      }
    }
    virtualApicWrites.increment();
    remaining = 0;
    long c = op.cycles() + vmx.virtualApicWriteCycles();
    guestCycles.add(c);
    computeEnd = now + c;
    step(computeEnd, APIC_WRITTEN);
    return true;
  }

  /**
   * An interrupt for a vCPU running guest work: the host kicks its pCPU (no posted interrupts
   * modelled), which exits with EXTERNAL_INTERRUPT; the entry that follows injects the interrupt,
   * and the guest resumes the rest of its work after its handler.
   */
  private void kick(boolean interrupt) {
    long now = kernel.now();
    kernel.cancel(pendingEvent);
    pendingEvent = -1;
    unfinishedCompute = pendingAt == computeEnd ? computeEnd - now : 0;
    guestCycles.add(-unfinishedCompute);
    if (interrupt) {
      kicks.increment();
    } else {
      preemptionExits.increment();
    }
    state = State.EXIT;
    exitStart = now;
    exit.reset(ExitReason.EXTERNAL_INTERRUPT);
    exitCycles.add(vmx.vmExitCycles());
    step(now + vmx.vmExitCycles(), EXITED);
  }

  /**
   * The memory the guest busy-waits on changed (an acknowledgement arrived): its spin ends {@code
   * noticeCycles} later (the rest of one round of its loop) and the guest is asked for its next
   * operation; elsewhere (exiting, in a handler) the guest finds out at its next operation anyway.
   */
  public void stopSpinning(long noticeCycles) {
    if (state != State.GUEST || !guest.acceptsInterrupt(this)) {
      return; // exiting, or in the guest's interrupt handler: not the spin
    }
    if (preempted) {
      boolean pauseLoop = heldPhase == EXECUTE_EXIT && op.exit().reason() == ExitReason.PAUSE;
      if (heldDelay > noticeCycles && (heldPhase == RUN || pauseLoop)) {
        guestCycles.add(-(heldDelay - noticeCycles));
        heldDelay = noticeCycles;
        if (pauseLoop) {
          remaining = 0;
          heldPhase = RUN;
          heldCompute = true;
        }
      }
      return;
    }
    long now = kernel.now();
    if (pendingEvent >= 0
        && pendingPhase == EXECUTE_EXIT
        && op.exit().reason() == ExitReason.PAUSE
        && pendingAt > now + noticeCycles) {
      // A PAUSE loop ends before its PLE window runs out: no exit.
      kernel.cancel(pendingEvent);
      guestCycles.add(-(pendingAt - now - noticeCycles));
      remaining = 0;
      computeEnd = now + noticeCycles;
      step(computeEnd, RUN);
      return;
    }
    if (pendingEvent >= 0 && pendingPhase == RUN && computeEnd > now + noticeCycles) {
      kernel.cancel(pendingEvent);
      guestCycles.add(-(computeEnd - now - noticeCycles));
      computeEnd = now + noticeCycles;
      step(computeEnd, RUN);
    }
  }

  /**
   * Guest cycles of the work an interrupt cut short, read by the guest in {@link
   * GuestCode#interrupt} to resume it (0 if the interrupt came at a VM entry).
   */
  public long unfinishedComputeCycles() {
    return unfinishedCompute;
  }

  public boolean hasPendingInterrupt() {
    return pendingCount > 0;
  }

  /** The hypervisor parks the vCPU (HLT, a contended lock): no VM entry until {@link #wake}. */
  public void block() {
    if (state != State.HYPERVISOR) {
      throw new IllegalStateException("only an exit handler can block vCPU " + index);
    }
    state = State.BLOCKED;
  }

  /**
   * The hypervisor puts the vCPU's thread to sleep (HLT with nothing pending): unlike {@link
   * #block}, waking it costs the host's wake-up of a sleeping thread.
   */
  public void sleep() {
    sleep(PowerModel.UNKNOWN);
  }

  /**
   * As {@link #sleep()}, with the cycles until the guest's next timer (the host's idle governor
   * uses it to pick the pCPU's C-state).
   */
  public void sleep(long expectedCycles) {
    block();
    halted = true;
    haltStart = kernel.now();
    pollEnd = haltStart;
    fallAsleep(expectedCycles);
  }

  /**
   * KVM's halt polling ({@code kvm_vcpu_halt}): after a HLT exit with nothing pending, the vCPU's
   * thread first spins in the host for up to {@code windowCycles}, its pCPU busy, checking for a
   * wake-up; one that comes meanwhile resumes the vCPU at once, with no thread to wake (the sender
   * only sets the IRR). Only at the end of the window does the thread sleep as {@link #sleep(long)}
   * does. The hypervisor is told how the halt went ({@link ExitHandler#haltEnded}).
   *
   * @param expectedCycles cycles from now until the guest's next timer, or {@link
   *     PowerModel#UNKNOWN}
   */
  public void haltPoll(long windowCycles, long expectedCycles) {
    if (windowCycles <= 0) {
      throw new IllegalArgumentException("a halt-polling window must be positive");
    }
    block();
    halted = true;
    polling = true;
    haltStart = kernel.now();
    pollExpected =
        expectedCycles == PowerModel.UNKNOWN
            ? PowerModel.UNKNOWN
            : Math.max(0, expectedCycles - windowCycles);
    step(haltStart + windowCycles, POLL_END);
  }

  /** Whether the vCPU's thread is halt polling (busy in the host after a HLT). */
  public boolean isPolling() {
    return polling;
  }

  private void fallAsleep(long expectedCycles) {
    sleeping = true;
    sleepStart = kernel.now();
    if (power != null && thread == null) {
      power.idle(pcpu, kernel.now(), PowerModel.GOVERNOR, expectedCycles);
    }
    if (thread != null) {
      preempt(); // off its pCPU until the host scheduler runs it again
      thread.sleeps(this);
    }
  }

  /**
   * The vCPU's thread as the host scheduler sees it: told when the vCPU sleeps (HLT) and when it
   * must be woken; the scheduler then runs it with {@link #resume}.
   */
  public interface HostThread {
    void sleeps(Vcpu v);

    void wakes(Vcpu v);

    /**
     * Whether the thread is the only one runnable on its pCPU (the kernel's {@code
     * single_task_running}): KVM halt polls only then.
     */
    default boolean aloneOnItsCpu() {
      return true;
    }
  }

  /** Whether halt polling may spin on this vCPU's pCPU: no other host thread waits for it. */
  public boolean mayHaltPoll() {
    return thread == null || thread.aloneOnItsCpu();
  }

  /**
   * The VMCS PLE window: a guest PAUSE loop exits after this many cycles (0: pause-loop exiting
   * off). The hypervisor grows it on each exit and resets it when the vCPU is scheduled in.
   */
  public long pleWindowCycles() {
    return pleWindow;
  }

  public void setPleWindowCycles(long cycles) {
    this.pleWindow = cycles;
  }

  /**
   * The guest's current privilege level, the DPL of its SS (what KVM's {@code vmx_get_cpl} reads
   * from the VMCS guest-state area): 0 in the guest kernel, 3 in user code. The guest sets it as it
   * enters and leaves its kernel; a guest that never does runs at 0.
   */
  public int cpl() {
    return cpl;
  }

  /** The guest changed privilege level (a system call, an interrupt, IRET, SYSRET). */
  public void setCpl(int level) {
    if (level < 0 || level > 3) {
      throw new IllegalArgumentException("CPL must be 0..3, got " + level);
    }
    this.cpl = level;
  }

  /** The vCPU owns {@code cpu} of {@code model}: its sleeps and MWAITs idle that pCPU. */
  public void setPower(PowerModel model, int cpu) {
    this.power = model;
    this.pcpu = cpu;
  }

  /** The host scheduler put the vCPU's thread on {@code cpu}: its MWAITs idle that pCPU now. */
  public void runsOn(int cpu) {
    this.pcpu = cpu;
  }

  /** The pCPU the vCPU last ran on (or owns). */
  public int pcpu() {
    return pcpu;
  }

  /** Puts the vCPU's thread under a host scheduler (otherwise it owns a pCPU). */
  public void setHostThread(HostThread t) {
    this.thread = t;
  }

  /** Resumes a blocked vCPU: it goes on to VM entry now, or once its thread is awake. */
  public void wake() {
    if (state == State.BLOCKED) {
      state = State.HYPERVISOR;
      long at = kernel.now();
      if (polling) {
        // The poll saw the wake-up: its end is not waited for.
        polling = false;
        pollEnd = at;
        if (pendingEvent >= 0) {
          kernel.cancel(pendingEvent);
          pendingEvent = -1;
        }
        futureSeq = -1;
        heldDelay = -1; // a poll end held while the thread was off its pCPU is void too
      }
      if (halted) {
        halted = false;
        handler.haltEnded(this, at - haltStart, pollEnd - haltStart, sleeping);
      }
      if (sleeping) {
        sleepCycles.add(at - sleepStart);
      }
      if (sleeping && thread != null) {
        sleeping = false;
        wakeups.increment();
        heldDelay = 0; // the entry waits for the scheduler to run the thread
        heldPhase = HANDLED;
        heldCompute = false;
        thread.wakes(this);
        return;
      }
      if (sleeping) {
        sleeping = false;
        wakeups.increment();
        at += costs.vcpuWakeupCycles();
        if (power != null) {
          at += power.busy(pcpu, kernel.now()); // leaving the pCPU's C-state
        }
      }
      step(at, HANDLED);
    }
  }

  /** Schedules the vCPU's next step; at most one is outstanding. */
  private long step(long at, long phase) {
    pendingAt = at;
    pendingPhase = phase;
    if (preempted) {
      futureSeq = kernel.reserveSequence();
      pendingEvent = -1;
      return -1;
    }
    pendingEvent = kernel.schedule(at, this, phase);
    return pendingEvent;
  }

  /**
   * The host scheduler took the vCPU's thread off its pCPU: nothing of it runs (no guest code, no
   * exit handling) until {@link #resume}. A memory stream or a lock grant that completes meanwhile
   * is held until then.
   */
  public void preempt() {
    if (preempted) {
      throw new IllegalStateException("vCPU " + index + " is already preempted");
    }
    preempted = true;
    preemptedAt = kernel.now();
    if (pendingEvent >= 0) {
      kernel.cancel(pendingEvent);
      pendingEvent = -1;
      heldDelay = pendingAt - preemptedAt;
      heldPhase = pendingPhase;
      heldCompute = pendingPhase == RUN && pendingAt == computeEnd;
    }
  }

  /** The thread runs again: the held step resumes where it stopped. */
  public void resume() {
    if (!preempted) {
      throw new IllegalStateException("vCPU " + index + " is not preempted");
    }
    preempted = false;
    long now = kernel.now();
    if (futureSeq >= 0) {
      if (pendingAt > now || pendingAt == now && futureSeq > kernel.firingSequence()) {
        pendingEvent = kernel.scheduleAs(pendingAt, futureSeq, this, pendingPhase);
      } else {
        // Due while the thread was off: held, as onEvent holds a step that fires then.
        heldDelay = 0;
        heldPhase = pendingPhase;
        heldCompute = false;
      }
      futureSeq = -1;
    }
    long off = now - preemptedAt;
    preemptedCycles.add(off);
    boolean batchInGuest =
        batchOpen && Math.floorMod(preemptedAt - batchStart, batchPeriod) < batchGuestCycles;
    if (batchOpen) {
      batchStart += off; // the loop's iterations slide by the time it was off
    }
    // Preempted in guest mode (the host's timer tick or reschedule IPI took the pCPU): that was
    // an external-interrupt exit, and the vCPU goes back through VM entry, which injects an
    // interrupt that arrived meanwhile. The exit's costs are paid when it runs again.
    boolean inGuest =
        state == State.GUEST
            && !batchOpen
            && heldDelay >= 0
            && (heldPhase == RUN
                || heldPhase == EXECUTE_EXIT
                || heldPhase == STREAM
                || heldPhase == STREAMED
                || heldPhase == MWAIT_WAKE);
    if (inGuest && heldPhase != RUN || batchInGuest) {
      // The work before an exit, a memory stream or an MWAIT resumes after the round trip.
      long x = vmx.vmExitCycles();
      long h = vmx.exitDispatchCycles();
      long e = vmx.vmEntryCycles();
      int reason = ExitReason.EXTERNAL_INTERRUPT.ordinal();
      count(reason).increment();
      roundTrip(reason).add(x + h + e);
      exitCycles.add(x);
      hypervisorCycles.add(h);
      entryCycles.add(e);
      preemptionExits.increment();
      heldDelay += x + h + e;
      if (batchInGuest) {
        batchStart += x + h + e;
      }
    }
    if (heldDelay >= 0) {
      if (heldPhase == RUN && heldCompute) {
        computeEnd = now + heldDelay; // the rest of the guest work, after the time off
      }
      heldCompute = false;
      long event = step(now + heldDelay, heldPhase);
      if (heldPhase == BATCH_DONE) {
        batchEvent = event;
      }
      heldDelay = -1;
    }
    if (batchEvent >= 0 && pendingCount > 0) {
      // Back in the loop once the preemption's exit is over.
      cutBatch(
          batchInGuest
              ? now + vmx.vmExitCycles() + vmx.exitDispatchCycles() + vmx.vmEntryCycles()
              : now);
    } else if (inGuest && pendingPhase == RUN && pendingEvent >= 0) {
      kick(false); // the preemption's exit; its entry injects what arrived meanwhile
    }
  }

  public boolean isPreempted() {
    return preempted;
  }

  @Override
  public void onEvent(long now, long phase) {
    if (phase == STREAMED && --streamsLeft > 0) {
      return; // the part's bytes on another node are still moving
    }
    pendingEvent = -1;
    if (preempted) {
      // A completion from outside (a memory stream, a lock grant) while off the pCPU.
      heldDelay = 0;
      heldPhase = phase;
      heldCompute = false;
      return;
    }
    switch ((int) phase) {
      case (int) RUN -> runGuest(now);
      case (int) EXECUTE_EXIT -> {
        state = State.EXIT;
        exitStart = now;
        exit.copyFrom(op.exit());
        exitCycles.add(vmx.vmExitCycles());
        step(now + vmx.vmExitCycles(), EXITED);
      }
      case (int) EXITED -> {
        state = State.HYPERVISOR;
        long h = vmx.exitDispatchCycles() + handler.handle(this, exit);
        hypervisorCycles.add(h);
        if (state == State.HYPERVISOR) {
          step(now + h, HANDLED);
        }
      }
      case (int) HANDLED -> enter(now);
      case (int) ENTERED -> {
        int reason = exit.reason().ordinal();
        count(reason).increment();
        roundTrip(reason).add(now - exitStart);
        state = State.GUEST;
        if (remaining > 0) {
          remaining--; // a kick out of guest work ends no iteration
        }
        if (injecting < 0 && unfinishedCompute > 0) {
          // Nothing was injected (the guest masks interrupts): the work the exit cut short goes on.
          long rest = unfinishedCompute;
          unfinishedCompute = 0;
          guestCycles.add(rest);
          computeEnd = now + rest;
          step(computeEnd, RUN);
          if (pendingCount > 0) {
            notifyPending();
          }
          return;
        }
        deliver();
        runGuest(now);
        // An interrupt posted while the entry was under way (none was injected by it) kicks the
        // vCPU out at once, as a host IPI that lands during VM entry does.
        if (pendingCount > 0 && state == State.GUEST) {
          notifyPending();
        }
      }
      case (int) BATCH_DONE -> {
        batchEvent = -1;
        batchOpen = false;
        remaining = batchRest;
        runGuest(now);
      }
      case (int) BATCH_CUT -> {
        batchOpen = false;
        // The entry that ends the iteration in progress injects the interrupt.
        remaining = batchTimes + batchRest;
        batchTimes = 0;
        int v = highestPending();
        clearPending(v);
        injecting = v;
        injections.increment();
        hypervisorCycles.add(costs.interruptInjectionCycles());
        // As when stepping, the injection is part of the round trip of the exit it ends.
        roundTrip(op.exit().reason().ordinal()).add(costs.interruptInjectionCycles());
        step(now + costs.interruptInjectionCycles(), INJECTED);
      }
      case (int) INJECTED -> {
        state = State.GUEST;
        deliver();
        runGuest(now);
      }
      case (int) POSTED -> {
        guestCycles.add(vmx.postedInterruptCycles());
        deliver();
        runGuest(now);
      }
      case (int) APIC_WRITTEN -> {
        if (pendingCount > 0 && guest.acceptsInterrupt(this)) {
          unfinishedCompute = 0;
          deliverVirtual(now);
        } else {
          runGuest(now);
        }
      }
      case (int) STREAM -> {
        waitStart = now;
        if (numa != null && streamTotal > 0) {
          streamsLeft =
              numa.startSpread(
                  streamPages,
                  streamTotal,
                  pcpu,
                  op.bytes(),
                  op.maxBytesPerSecond(),
                  this,
                  STREAMED);
          streamTotal = 0;
        } else if (numa != null) {
          streamsLeft = 1;
          numa.start(-1, pcpu, op.bytes(), op.maxBytesPerSecond(), this, STREAMED);
        } else {
          streamsLeft = 1;
          memory.start(op.bytes(), op.maxBytesPerSecond(), this, STREAMED);
        }
      }
      case (int) POLL_END -> {
        // Nothing came within the window: the thread sleeps.
        polling = false;
        pollEnd = now;
        fallAsleep(pollExpected);
      }
      case (int) MWAIT_WAKE -> {
        long latency = power == null ? 0 : power.busy(pcpu, now);
        mwaitCycles.add(now - waitStart + latency);
        step(now + latency, RUN);
      }
      case (int) STREAMED -> {
        memoryCycles.add(now - waitStart);
        runGuest(now);
      }
      default -> throw new IllegalStateException("unknown phase " + phase);
    }
  }

  private void runGuest(long now) {
    if (remaining == 0) {
      guest.next(this, op);
      if (op.kind() == GuestOp.Kind.TOUCH) {
        beginTouch();
        fillTouch();
      }
      if (op.kind() == GuestOp.Kind.DONE) {
        state = State.DONE;
        onDone.run();
        return;
      }
      remaining = op.repeat();
    }
    state = State.GUEST;
    if (op.kind() == GuestOp.Kind.COMPUTE) {
      guestCycles.add(op.cycles());
      remaining = 0;
      computeEnd = now + op.cycles();
      step(computeEnd, RUN);
      return;
    }
    if (op.kind() == GuestOp.Kind.MWAIT) {
      remaining = 0;
      waitStart = now;
      if (power != null) {
        int state = power.stateForMwaitHint(op.mwaitHint());
        power.idle(pcpu, now, state, op.cycles());
      }
      step(now + op.cycles(), MWAIT_WAKE);
      return;
    }
    if (op.kind() == GuestOp.Kind.STREAM) {
      if (memory == null) {
        throw new IllegalStateException("vCPU " + index + " streams memory but has no bandwidth");
      }
      guestCycles.add(op.cycles());
      remaining = 0;
      step(now + op.cycles(), STREAM);
      return;
    }
    if (virtualizedApicWrite(now)) {
      return;
    }
    if (batching && remaining > 1 && pendingCount == 0) {
      long h = handler.handleRepeated(this, op.exit(), remaining);
      if (h >= 0 && startBatch(now, h)) {
        return;
      }
    }
    guestCycles.add(op.cycles());
    step(now + op.cycles(), EXECUTE_EXIT);
  }

  /**
   * The guest kernel's next operation, if a memory touch is in progress: its next part (the guest
   * resumes a touch an exit or an interrupt cut short before it runs anything else of its own).
   */
  public boolean continueTouch(GuestOp next) {
    if (next != op) {
      throw new IllegalArgumentException("a touch continues in the vCPU's own operation");
    }
    if (!touching && !reflectPending) {
      return false;
    }
    fillTouch();
    return true;
  }

  private void beginTouch() {
    if (mmu == null) {
      throw new IllegalStateException("vCPU " + index + " touches memory but has no MMU");
    }
    touching = true;
    GuestOp.Touch t = op.touch;
    touchWork = op.cycles();
    touchWrite = t.write;
    touchList = t.list;
    if (touchList != null) {
      touchPos = 0;
      touchCount = t.count;
    } else {
      touchNext = t.address;
      touchEnd = t.address + t.length;
      touchStep = t.step;
    }
    touchTraffic = t.trafficPerPage;
    touchRate = op.maxBytesPerSecond();
    touchRun = t.runBytes;
    touchPriced = t.priced;
    if (touchTraffic > 0 && touchList != null) {
      throw new IllegalArgumentException("a streamed touch covers a range");
    }
  }

  private boolean touchHasNext() {
    return touchList != null ? touchPos < touchCount : touchNext < touchEnd;
  }

  private long touchAddress() {
    return touchList != null ? touchList[touchPos] : touchNext;
  }

  private void touchAdvance() {
    if (touchList != null) {
      touchPos++;
    } else {
      touchNext += touchStep;
    }
  }

  /**
   * Turns the touch in progress into its next part in {@code op}: translate address after address
   * (summing the cycles) up to the end, the end of a streamed run, or a fault. A fault the
   * hypervisor handles ends the part before it; its exit is the next part (the walk that found it
   * is paid just before the exit), and the faulting address is translated again after it.
   */
  private void fillTouch() {
    if (reflectPending) {
      reflectPending = false;
      if (!guest.pageFault(this, faultVa, touchWrite)) {
        touchAdvance(); // the guest gave up on the address
      }
    }
    if (faultPending) {
      faultPending = false;
      raiseFault(faultCycles);
      return;
    }
    long cycles = touchWork;
    touchWork = 0;
    long pages = 0;
    long runEnd =
        touchTraffic == 0
            ? Long.MAX_VALUE
            : Math.min(touchEnd, (touchNext / touchRun + 1) * touchRun);
    while (touchHasNext()) {
      long va = touchAddress();
      long hpa = mmu.translate(va, touchWrite);
      long t = mmu.lastCycles();
      cycles += t;
      if (hpa == AddressTranslation.FAULT) {
        long gpa = mmu.lastFaultGpa();
        if (gpa >= 0 || pageFaultsExit) {
          faultGpa = gpa;
          faultVa = va;
          if (pages == 0) {
            raiseFault(cycles);
          } else {
            faultPending = true;
            faultCycles = t;
            emitTouchPart(cycles - t, pages);
          }
          return;
        }
        if (guest.pageFault(this, va, touchWrite)) {
          continue; // the guest mapped it: translate again
        }
        touchAdvance();
        continue;
      }
      if (reference != null) {
        check(va, hpa);
      }
      touchTranslationCycles += t;
      touchWalkReferences += mmu.lastReferences();
      if (partPages != null && touchTraffic > 0) {
        int node = nodeOfHpa.applyAsInt(hpa);
        partPages[node < 0 ? numa.nodeOf(pcpu) : node]++;
      }
      if (touchPriced) {
        long d = caches.access(hpa);
        cycles += d;
        touchDataCycles += d;
        if (caches.lastLevel() == MemoryHierarchy.DRAM) {
          touchDataDram++;
        }
      }
      touchAdvance();
      pages++;
      if (touchList == null && touchNext >= runEnd) {
        break;
      }
    }
    if (!touchHasNext()) {
      touching = false;
    }
    emitTouchPart(cycles, pages);
  }

  private void emitTouchPart(long cycles, long pages) {
    if (touchTraffic > 0 && pages > 0) {
      if (partPages != null) {
        long[] t = streamPages;
        streamPages = partPages;
        partPages = t;
        java.util.Arrays.fill(partPages, 0);
        streamTotal = pages;
      }
      op.stream(cycles, pages * touchTraffic, touchRate);
    } else {
      op.compute(cycles);
    }
  }

  /**
   * The fault of the touch in progress: an EPT violation (exit qualification bit 0 a read, bit 1 a
   * write), or under shadow paging a page-fault exit with the linear address and the error code's
   * write bit.
   */
  private void raiseFault(long cyclesBefore) {
    if (faultGpa >= 0) {
      op.exit(ExitReason.EPT_VIOLATION, cyclesBefore, 1)
          .guestPhysicalAddress(faultGpa)
          .guestLinearAddress(faultVa)
          .qualification(touchWrite ? 1L << 1 : 1L);
    } else {
      op.exit(ExitReason.EXCEPTION_NMI, cyclesBefore, 1)
          .guestLinearAddress(faultVa)
          .qualification(touchWrite ? 1L << 1 : 0);
    }
  }

  private void check(long va, long hpa) {
    long expected = reference.applyAsLong(va);
    // An address the guest has just unmapped may still hit in this vCPU's TLB until the guest's
    // shootdown reaches it (the guest checks that no one caches it once the shootdown completes);
    // a translation to anything but what the tables map is always wrong.
    if (expected != hpa && expected != -1) {
      throw new IllegalStateException(
          "stale translation on vCPU "
              + index
              + ": the MMU translated 0x"
              + Long.toHexString(va)
              + " to 0x"
              + Long.toHexString(hpa)
              + " but the tables say 0x"
              + Long.toHexString(expected));
    }
  }

  /**
   * Costs the next {@code remaining} iterations of the loop in one event, or as many of them as end
   * within the simulator's time range (a run never gets past it: the rest follow if it did).
   *
   * @return false if not even one iteration fits, none is counted and the loop is stepped
   */
  private boolean startBatch(long now, long handlerCycles) {
    long hv = Math.addExact(vmx.exitDispatchCycles(), handlerCycles);
    long roundTrip = Math.addExact(Math.addExact(vmx.vmExitCycles(), hv), vmx.vmEntryCycles());
    long period = Math.addExact(op.cycles(), roundTrip);
    long fit = period == 0 ? remaining : (EventKernel.MAX_TIME - now) / period;
    if (fit < 2) {
      handler.repeatedUndone(this, op.exit(), remaining);
      return false;
    }
    batchRest = 0;
    if (fit < remaining) {
      handler.repeatedUndone(this, op.exit(), remaining - fit);
      batchRest = remaining - fit;
      remaining = fit;
    }
    batchStart = now;
    batchPeriod = period;
    batchExitCycles = roundTrip;
    batchGuestCycles = op.cycles();
    batchTimes = remaining;
    batchCounted = remaining;
    batchOpen = true;
    int reason = op.exit().reason().ordinal();
    count(reason).add(remaining);
    roundTrip(reason).add(remaining * roundTrip);
    guestCycles.add(remaining * op.cycles());
    exitCycles.add(remaining * vmx.vmExitCycles());
    hypervisorCycles.add(remaining * hv);
    entryCycles.add(remaining * vmx.vmEntryCycles());
    batchEvent = step(now + remaining * batchPeriod, BATCH_DONE);
    return true;
  }

  /**
   * The run stops at {@code now}: what the vCPU has counted ahead of time is brought back to what
   * has happened by then. A batched loop counts only its finished iterations and, of the one in
   * progress, what stepping would have counted by then (its guest work so far, its exit transition,
   * handler and entry once each has begun); guest work in progress counts up to now.
   */
  public void settleAt(long now) {
    long t = preempted ? preemptedAt : now;
    if (batchOpen) {
      long elapsed = t - batchStart;
      long k = Math.min(batchCounted, elapsed / batchPeriod);
      long undone = batchCounted - k;
      if (undone > 0) {
        long x = vmx.vmExitCycles();
        long e = vmx.vmEntryCycles();
        long h = batchExitCycles - x - e;
        long g = batchGuestCycles;
        int reason = op.exit().reason().ordinal();
        count(reason).add(-undone);
        roundTrip(reason).add(-undone * batchExitCycles);
        guestCycles.add(-undone * g);
        exitCycles.add(-undone * x);
        hypervisorCycles.add(-undone * h);
        entryCycles.add(-undone * e);
        long into = elapsed - k * batchPeriod;
        guestCycles.add(Math.min(into, g));
        if (into >= g) {
          exitCycles.add(x);
        }
        if (into >= g + x) {
          hypervisorCycles.add(h);
        }
        if (into >= g + x + h) {
          entryCycles.add(e);
        }
        // The exit in progress was handled once its handler began.
        handler.repeatedUndone(this, op.exit(), into >= g + x ? undone - 1 : undone);
      }
      batchOpen = false;
      return;
    }
    // Guest work (a computation, or the work before an exit or a memory stream) is counted when
    // it starts: take off what was still to run.
    long phase = preempted ? heldPhase : pendingPhase;
    long left = preempted ? heldDelay : pendingEvent >= 0 ? pendingAt - t : 0;
    boolean work =
        phase == EXECUTE_EXIT
            || phase == STREAM
            || phase == APIC_WRITTEN
            || phase == RUN && pendingAt == computeEnd;
    if (left > 0 && work && state == State.GUEST) {
      guestCycles.add(-left);
    }
  }

  /** An interrupt arrived during a batched loop: stop it at the end of the current iteration. */
  private void cutBatch() {
    cutBatch(kernel.now());
  }

  /** As {@link #cutBatch()}, with the loop at the point it reaches at {@code now}. */
  private void cutBatch(long now) {
    long done = (now - batchStart) / batchPeriod + 1; // the iteration in progress completes
    if (done >= batchTimes) {
      return; // the loop ends at the next boundary anyway
    }
    kernel.cancel(batchEvent);
    batchEvent = -1;
    long undone = batchTimes - done;
    int reason = op.exit().reason().ordinal();
    count(reason).add(-undone);
    roundTrip(reason).add(-undone * batchExitCycles);
    guestCycles.add(-undone * batchGuestCycles);
    exitCycles.add(-undone * vmx.vmExitCycles());
    hypervisorCycles.add(-undone * (batchExitCycles - vmx.vmExitCycles() - vmx.vmEntryCycles()));
    entryCycles.add(-undone * vmx.vmEntryCycles());
    handler.repeatedUndone(this, op.exit(), undone);
    batchTimes = undone;
    batchCounted = done;
    step(batchStart + done * batchPeriod, BATCH_CUT);
  }

  private void enter(long now) {
    state = State.ENTRY;
    long cost = vmx.vmEntryCycles();
    entryCycles.add(cost);
    int v = guest.acceptsInterrupt(this) ? highestPending() : -1;
    if (v >= 0) {
      clearPending(v);
      injecting = v;
      injections.increment();
      cost += costs.interruptInjectionCycles();
      hypervisorCycles.add(costs.interruptInjectionCycles());
    }
    step(now + cost, ENTERED);
  }

  /** Hands an interrupt injected at this entry to the guest before it resumes its work. */
  private void deliver() {
    if (injecting >= 0) {
      int v = injecting;
      injecting = -1;
      guest.interrupt(this, v);
      remaining = 0; // the guest resumes its own loop after the handler
    }
    unfinishedCompute = 0;
  }

  private int highestPending() {
    for (int w = 3; w >= 0; w--) {
      if (irr[w] != 0) {
        return (w << 6) + 63 - Long.numberOfLeadingZeros(irr[w]);
      }
    }
    return -1;
  }

  private void clearPending(int v) {
    irr[v >>> 6] &= ~(1L << (v & 63));
    pendingCount--;
  }

  private Counter count(int reason) {
    Counter c = exitCount[reason];
    if (c == null) {
      register(reason);
      c = exitCount[reason];
    }
    return c;
  }

  private Counter roundTrip(int reason) {
    if (exitRoundTrip[reason] == null) {
      register(reason);
    }
    return exitRoundTrip[reason];
  }

  private void register(int reason) {
    StatGroup g = stats.group("exits").group(ExitReason.values()[reason].statName());
    String why = ExitReason.values()[reason].statName();
    exitCount[reason] = g.counter("count", Unit.COUNT, "VM exits for " + why);
    exitRoundTrip[reason] =
        g.counter("cycles", Unit.CYCLES, "Round-trip cycles of VM exits for " + why);
  }
}
