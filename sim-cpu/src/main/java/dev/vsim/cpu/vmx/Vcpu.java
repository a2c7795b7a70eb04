package dev.vsim.cpu.vmx;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.DramBandwidth;
import dev.vsim.cpu.power.PowerModel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;

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
  private long waitStart; // when the memory stream or MWAIT in progress began
  private boolean sleeping;
  private HostThread thread;
  private long pleWindow; // the VMCS's PLE window: PAUSE-loop cycles before an exit (0: off)
  private int cpl; // the guest's current privilege level (0 kernel, 3 user)
  private PowerModel power; // the pCPU's C-states, when modelled
  private int pcpu;
  private long sleepStart;
  private long computeEnd; // when the guest work in progress ends
  private long unfinishedCompute; // guest work a kick cut short, for the guest to resume

  // The host scheduler may take the vCPU's thread off its pCPU at any cycle: its one outstanding
  // event is then held back and replayed, shifted by the time it was off, when it runs again.
  private long pendingEvent = -1;
  private long pendingAt;
  private long pendingPhase;
  private boolean preempted;
  private long preemptedAt;
  private long heldDelay = -1; // cycles left of the held event, or -1 if none was held
  private long heldPhase;

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
    guestCycles = time.counter("guest_cycles");
    exitCycles = time.counter("exit_transition_cycles");
    entryCycles = time.counter("entry_transition_cycles");
    hypervisorCycles = time.counter("hypervisor_cycles");
    memoryCycles = time.counter("memory_stream_cycles");
    wakeups = stats.counter("wakeups");
    preemptedCycles = time.counter("preempted_cycles");
    kicks = stats.group("interrupts").counter("kicks");
    sleepCycles = time.counter("sleep_cycles");
    mwaitCycles = time.counter("mwait_cycles");
    injections = stats.group("interrupts").counter("injected");
  }

  /** Connects the guest that runs on this vCPU and the hypervisor that handles its exits. */
  public void attach(GuestCode guestCode, ExitHandler exitHandler) {
    this.guest = guestCode;
    this.handler = exitHandler;
  }

  /** Turns batching of repeated exits off (for checking that it changes nothing). */
  /** The memory bandwidth that the guest's {@link GuestOp.Kind#STREAM} operations share. */
  public void setMemoryBandwidth(DramBandwidth bandwidth) {
    this.memory = bandwidth;
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

  /** A pending interrupt for a vCPU in guest mode: end its batched loop or kick its work. */
  private void notifyPending() {
    if (preempted) {
      return; // taken when it resumes
    }
    if (batchEvent >= 0) {
      cutBatch();
    } else if (pendingEvent >= 0 && pendingPhase == RUN && guest.acceptsInterrupt(this)) {
      kick();
    }
  }

  /**
   * An interrupt for a vCPU running guest work: the host kicks its pCPU (no posted interrupts
   * modelled), which exits with EXTERNAL_INTERRUPT; the entry that follows injects the interrupt,
   * and the guest resumes the rest of its work after its handler.
   */
  private void kick() {
    long now = kernel.now();
    kernel.cancel(pendingEvent);
    pendingEvent = -1;
    unfinishedCompute = computeEnd - now;
    guestCycles.add(-unfinishedCompute);
    kicks.increment();
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

  /** Puts the vCPU's thread under a host scheduler (otherwise it owns a pCPU). */
  public void setHostThread(HostThread t) {
    this.thread = t;
  }

  /** Resumes a blocked vCPU: it goes on to VM entry now, or once its thread is awake. */
  public void wake() {
    if (state == State.BLOCKED) {
      state = State.HYPERVISOR;
      long at = kernel.now();
      if (sleeping) {
        sleepCycles.add(at - sleepStart);
      }
      if (sleeping && thread != null) {
        sleeping = false;
        wakeups.increment();
        heldDelay = 0; // the entry waits for the scheduler to run the thread
        heldPhase = HANDLED;
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
    }
  }

  /** The thread runs again: the held step resumes where it stopped. */
  public void resume() {
    if (!preempted) {
      throw new IllegalStateException("vCPU " + index + " is not preempted");
    }
    preempted = false;
    long now = kernel.now();
    long off = now - preemptedAt;
    preemptedCycles.add(off);
    if (batchEvent >= 0) {
      batchStart += off; // the loop's iterations slide by the time it was off
    }
    if (heldDelay >= 0) {
      long event = step(now + heldDelay, heldPhase);
      if (heldPhase == BATCH_DONE) {
        batchEvent = event;
      }
      heldDelay = -1;
    }
    if (batchEvent >= 0 && pendingCount > 0) {
      cutBatch();
    } else if (pendingCount > 0
        && state == State.GUEST
        && pendingPhase == RUN
        && pendingEvent >= 0) {
      kick(); // an interrupt that arrived while off the pCPU is taken as soon as it runs
    }
  }

  public boolean isPreempted() {
    return preempted;
  }

  @Override
  public void onEvent(long now, long phase) {
    pendingEvent = -1;
    if (preempted) {
      // A completion from outside (a memory stream, a lock grant) while off the pCPU.
      heldDelay = 0;
      heldPhase = phase;
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
        remaining = 0;
        runGuest(now);
      }
      case (int) BATCH_CUT -> {
        // The entry that ends the iteration in progress injects the interrupt.
        remaining = batchTimes;
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
      case (int) STREAM -> {
        waitStart = now;
        memory.start(op.bytes(), op.maxBytesPerSecond(), this, STREAMED);
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
    if (batching && remaining > 1 && pendingCount == 0) {
      long h = handler.handleRepeated(this, op.exit(), remaining);
      if (h >= 0) {
        startBatch(now, h);
        return;
      }
    }
    guestCycles.add(op.cycles());
    step(now + op.cycles(), EXECUTE_EXIT);
  }

  private void startBatch(long now, long handlerCycles) {
    long hv = vmx.exitDispatchCycles() + handlerCycles;
    long roundTrip = vmx.vmExitCycles() + hv + vmx.vmEntryCycles();
    batchStart = now;
    batchPeriod = op.cycles() + roundTrip;
    batchExitCycles = roundTrip;
    batchGuestCycles = op.cycles();
    batchTimes = remaining;
    int reason = op.exit().reason().ordinal();
    count(reason).add(remaining);
    roundTrip(reason).add(remaining * roundTrip);
    guestCycles.add(remaining * op.cycles());
    exitCycles.add(remaining * vmx.vmExitCycles());
    hypervisorCycles.add(remaining * hv);
    entryCycles.add(remaining * vmx.vmEntryCycles());
    batchEvent = step(now + remaining * batchPeriod, BATCH_DONE);
  }

  /** An interrupt arrived during a batched loop: stop it at the end of the current iteration. */
  private void cutBatch() {
    long now = kernel.now();
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
    batchTimes = undone;
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
    exitCount[reason] = g.counter("count");
    exitRoundTrip[reason] = g.counter("cycles");
  }
}
