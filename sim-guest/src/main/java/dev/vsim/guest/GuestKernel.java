package dev.vsim.guest;

import dev.vsim.cpu.pv.Msr;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestCode;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.cpu.vmx.VmExit;
import dev.vsim.guest.apic.IpiSender;
import dev.vsim.guest.apic.Ipis;
import dev.vsim.guest.memory.GuestMemory;
import dev.vsim.guest.memory.TlbShootdown;
import dev.vsim.guest.sched.GuestScheduler;
import dev.vsim.guest.workload.Workload;
import java.util.function.LongSupplier;

/**
 * The guest operating system of one VM, as far as the simulated workloads need it: it runs the
 * workload on every vCPU, manages the guest's memory ({@link GuestMemory}), takes interrupts (IDT
 * delivery, the handler, EOI by an x2APIC MSR write, which exits without APIC virtualization) and
 * page faults, resuming the interrupted work afterwards: a loop, a computation, a memory touch.
 *
 * <p>For a multithreaded process it also offers the {@link GuestServices} a workload calls: munmap
 * with its TLB shootdown ({@link TlbShootdown}, the flush IPIs sent through {@link Ipis}), the
 * scheduling of the process's threads on the vCPUs ({@link GuestScheduler}: futex waits and wakes,
 * reschedule IPIs to idle vCPUs) and the idle loop. It sequences them per vCPU: the kernel's own
 * operations (sending, waiting, halting) come before the workload's next one, as interrupt handling
 * does.
 */
public final class GuestKernel implements GuestCode, GuestServices {
  private Workload workload;
  private final GuestMemory memory;
  private final long interruptHandlerCycles;
  private final CpuState[] cpus;
  private final StealTime[] steal;
  private final LongSupplier now;
  private Ipis ipis;
  private TlbShootdown tlb;
  private GuestScheduler scheduler;
  private long switchCycles;

  /** What the kernel itself does on a vCPU before the workload goes on. */
  private enum Task {
    NONE, // the workload runs
    FLUSH_SEND, // sending a shootdown's flush IPIs
    FLUSH_YIELD, // KVM_HC_SCHED_YIELD to a preempted destination
    FLUSH_WAIT, // waiting for the acknowledgements
    RESCHED_SEND, // sending reschedule IPIs to the idle vCPUs of woken threads
    IDLE // the idle loop: HLT until a thread is runnable
  }

  /** Per-vCPU kernel state: an interrupt handler in progress and the loop it interrupted. */
  private static final class CpuState {
    Task task = Task.NONE;
    long idleUntil;
    int reschedules; // reschedule IPIs owed to the vCPUs of threads woken
    int lastRan = -1; // the thread it ran last
    long switchCost; // context switches its current thread's next work pays

    int handlerStep; // 0: none, 1: handler body next, 2: EOI next
    int vector;
    int interruptedCpl; // the privilege level IRET returns to
    boolean iret; // the handler has written its EOI: IRET is next
    long resumeIterations;
    long resumeCycles;
    long resumeCompute; // guest work the interrupt cut short
    final VmExit resumeExit = new VmExit();
  }

  /**
   * @param vcpus number of vCPUs
   * @param memory the guest's memory manager (its page table)
   * @param interruptHandlerCycles IDT delivery, handler body and IRET of one interrupt
   */
  public GuestKernel(int vcpus, GuestMemory memory, long interruptHandlerCycles) {
    this(vcpus, memory, interruptHandlerCycles, null, null);
  }

  /**
   * @param vcpus number of vCPUs
   * @param memory the guest's memory manager (its page table)
   * @param interruptHandlerCycles IDT delivery, handler body and IRET of one interrupt
   * @param steal each vCPU's steal-time area the guest registered (read by PV TLB flush), or null
   * @param now the simulated time (for the scheduler and shootdown latencies), or null
   */
  public GuestKernel(
      int vcpus,
      GuestMemory memory,
      long interruptHandlerCycles,
      StealTime[] steal,
      LongSupplier now) {
    this.memory = memory;
    this.interruptHandlerCycles = interruptHandlerCycles;
    this.steal = steal;
    this.now = now;
    this.cpus = new CpuState[vcpus];
    for (int i = 0; i < vcpus; i++) {
      cpus[i] = new CpuState();
    }
  }

  /** As above, running {@code workload} at once (a guest whose memory no one looks at). */
  public GuestKernel(int vcpus, Workload workload, long interruptHandlerCycles) {
    this(vcpus, (GuestMemory) null, interruptHandlerCycles);
    run(workload);
  }

  /** The process the guest runs on its vCPUs (set once, before the vCPUs start). */
  public void run(Workload w) {
    if (workload != null) {
      throw new IllegalStateException("the guest already runs a workload");
    }
    this.workload = w;
  }

  /** The guest's memory manager. */
  public GuestMemory memory() {
    return memory;
  }

  /**
   * Boots the kernel's IPI facility: the APIC driver sends in {@code mode}, {@code sendCycles}
   * around each ICR write or hypercall.
   */
  public Ipis enableIpis(IpiSender.Mode mode, long sendCycles) {
    ipis = new Ipis(cpus.length, mode, sendCycles);
    return ipis;
  }

  /**
   * Turns on TLB shootdowns for the process's munmaps (needs {@link #enableIpis}).
   *
   * @param check the checking mode: a shootdown checks that no vCPU still caches its pages
   * @param stats where its results go
   */
  public TlbShootdown enableTlbShootdown(
      TlbShootdown.Params params, boolean check, StatGroup stats) {
    if (ipis == null) {
      throw new IllegalStateException("TLB shootdowns need the kernel's IPIs");
    }
    tlb = new TlbShootdown(params, cpus.length, memory, steal, check, now, stats);
    if (scheduler != null) {
      tlb.reportLazySkips();
    }
    return tlb;
  }

  /** The TLB shootdown of the process's munmaps, or null. */
  public TlbShootdown tlbShootdown() {
    return tlb;
  }

  /** The scheduler of the process's threads, or null if none were started. */
  public GuestScheduler scheduler() {
    return scheduler;
  }

  @Override
  public long now() {
    return now.getAsLong();
  }

  @Override
  public boolean munmap(Vcpu vcpu, long address, int pages) {
    vcpu.setCpl(0); // the system call; the rest of the shootdown (sending, waiting) too
    int v = vcpu.index();
    int targets = tlb.flushMmRange(vcpu, address, pages, ipis.destinations(v));
    if (targets == 0) {
      return false;
    }
    long localFlush = tlb.localFlushCycles(pages);
    ipis.start(v, targets, Ipis.CALL_FUNCTION_VECTOR, localFlush + ipis.sendCycles());
    cpus[v].task = Task.FLUSH_SEND;
    return true;
  }

  @Override
  public void startThreads(int threads, long sliceCycles, long switchCycles) {
    if (scheduler != null) {
      throw new IllegalStateException("the process's threads were started already");
    }
    if (ipis == null) {
      throw new IllegalStateException("scheduling threads needs the kernel's reschedule IPIs");
    }
    scheduler = new GuestScheduler(cpus.length, threads, sliceCycles);
    this.switchCycles = switchCycles;
    if (tlb != null) {
      tlb.reportLazySkips();
    }
  }

  @Override
  public int currentThread(Vcpu vcpu) {
    int v = vcpu.index();
    int th = scheduler.current(v);
    if (th < 0) {
      th = scheduler.pickNext(v, now());
      if (th < 0) {
        return -1;
      }
      CpuState c = cpus[v];
      if (th != c.lastRan) {
        c.switchCost += switchCycles;
        c.lastRan = th;
      }
    }
    return th;
  }

  @Override
  public long takeSwitchCycles(Vcpu vcpu) {
    CpuState c = cpus[vcpu.index()];
    long cycles = c.switchCost;
    c.switchCost = 0;
    return cycles;
  }

  @Override
  public void block(Vcpu vcpu) {
    scheduler.block(vcpu.index());
  }

  @Override
  public boolean wake(Vcpu vcpu, int thread) {
    int v = vcpu.index();
    int cpu = scheduler.wake(thread);
    if (cpu >= 0 && cpu != v && scheduler.lastWakeFoundIdle() && cpus[cpu].task == Task.IDLE) {
      CpuState c = cpus[v];
      ipis.destinations(v)[c.reschedules++] = cpu;
      return true;
    }
    return false;
  }

  @Override
  public void condResched(Vcpu vcpu) {
    scheduler.endOfSlice(vcpu.index(), now());
  }

  @Override
  public void idle(Vcpu vcpu, long untilCycles) {
    int v = vcpu.index();
    CpuState c = cpus[v];
    c.task = Task.IDLE;
    c.idleUntil = untilCycles;
    if (tlb != null) {
      tlb.enterLazy(v);
    }
  }

  @Override
  public int wakeIdleCpus(Vcpu vcpu) {
    int v = vcpu.index();
    CpuState c = cpus[v];
    int[] to = ipis.destinations(v);
    for (int t = 0; t < cpus.length; t++) {
      if (t != v && cpus[t].task == Task.IDLE) {
        to[c.reschedules++] = t;
      }
    }
    return c.reschedules;
  }

  @Override
  public void exit(Vcpu vcpu) {
    int v = vcpu.index();
    if (scheduler != null) {
      scheduler.offline(v);
    }
    if (tlb != null) {
      tlb.leave(v);
    }
  }

  /**
   * The kernel's own next operation on {@code vcpu}, or the workload's: the workload runs when the
   * kernel has nothing to do there, and the kernel takes over when a call of the workload left it
   * something (IPIs to send, a wait, the idle loop).
   */
  private void dispatch(Vcpu vcpu, GuestOp op) {
    CpuState c = cpus[vcpu.index()];
    if (tlb != null) {
      tlb.enter(vcpu); // the process runs here: its mm's cpumask has this CPU
    }
    while (true) {
      if (c.task == Task.NONE) {
        workload.next(vcpu, op);
        if (c.reschedules > 0) {
          vcpu.setCpl(0); // the futex wake, in the kernel
          ipis.start(vcpu.index(), c.reschedules, Ipis.RESCHEDULE_VECTOR, ipis.sendCycles());
          c.reschedules = 0;
          c.task = Task.RESCHED_SEND;
        }
        if (c.task == Task.NONE) {
          return;
        }
      }
      if (runTask(vcpu, c, op)) {
        return;
      }
    }
  }

  /** One step of the kernel's task on {@code vcpu}; false if it ended with no operation. */
  private boolean runTask(Vcpu vcpu, CpuState c, GuestOp op) {
    int v = vcpu.index();
    switch (c.task) {
      case FLUSH_SEND -> {
        if (ipis.emitNext(v, op)) {
          c.task = tlb.params().pvSchedYield() ? Task.FLUSH_YIELD : Task.FLUSH_WAIT;
        }
        return true;
      }
      case RESCHED_SEND -> {
        if (ipis.emitNext(v, op)) {
          c.task = Task.NONE;
        }
        return true;
      }
      case FLUSH_YIELD -> {
        c.task = Task.FLUSH_WAIT;
        return tlb.yieldToPreempted(vcpu, op);
      }
      case FLUSH_WAIT -> {
        if (tlb.await(vcpu, op)) {
          return true;
        }
        c.task = Task.NONE; // munmap returns
        return false;
      }
      case IDLE -> {
        if (!scheduler.hasRunnable(v) && now() < c.idleUntil) {
          vcpu.setCpl(0);
          op.exit(ExitReason.HLT, 0, 1);
          return true;
        }
        // A thread to run, or the run is over: switch_mm back to the process.
        c.task = Task.NONE;
        if (tlb != null) {
          tlb.leaveLazy(v);
        }
        return false;
      }
      default -> throw new IllegalStateException(c.task.toString());
    }
  }

  @Override
  public boolean pageFault(Vcpu vcpu, long linear, boolean write) {
    return workload.pageFault(vcpu, linear, write);
  }

  @Override
  public void next(Vcpu vcpu, GuestOp op) {
    CpuState c = cpus[vcpu.index()];
    if (c.handlerStep == 1) {
      c.handlerStep = 2;
      op.compute(interruptHandlerCycles + workload.handlerCycles(vcpu, c.vector));
      return;
    }
    if (c.handlerStep == 2) {
      c.handlerStep = 0;
      op.exit(ExitReason.MSR_WRITE, 0, 1).wrmsr(Msr.X2APIC_EOI, 0);
      if (tlb != null && c.vector == Ipis.CALL_FUNCTION_VECTOR) {
        tlb.flushOwed(vcpu.index()); // flush_tlb_func, then the acknowledgement
      }
      workload.interruptHandled(vcpu, c.vector);
      c.iret = true;
      return;
    }
    if (c.iret) {
      // IRET: back to the privilege level the interrupt came from.
      c.iret = false;
      vcpu.setCpl(c.interruptedCpl);
    }
    if (c.resumeCompute > 0) {
      long n = c.resumeCompute;
      c.resumeCompute = 0;
      // The wait for acknowledgements looks at them again; other work goes on.
      if (c.task != Task.FLUSH_WAIT && workload.resumesAfterInterrupt(vcpu)) {
        op.compute(n);
        return;
      }
    }
    if (c.resumeIterations > 0) {
      // Resume the loop the interrupt cut short.
      long n = c.resumeIterations;
      c.resumeIterations = 0;
      op.exit(c.resumeExit.reason(), c.resumeCycles, n).copyFrom(c.resumeExit);
      return;
    }
    if (vcpu.continueTouch(op)) {
      return; // the rest of a memory touch an exit or the handler cut short
    }
    dispatch(vcpu, op);
    if (op.kind() == GuestOp.Kind.EXIT && op.repeat() > 1) {
      c.resumeCycles = op.cycles();
      c.resumeExit.copyFrom(op.exit());
    }
  }

  /** Interrupts stay masked from delivery until the handler's EOI is written. */
  @Override
  public boolean acceptsInterrupt(Vcpu vcpu) {
    return cpus[vcpu.index()].handlerStep == 0;
  }

  @Override
  public void interrupt(Vcpu vcpu, int vector) {
    CpuState c = cpus[vcpu.index()];
    if (c.handlerStep != 0) {
      throw new IllegalStateException("nested interrupt on vCPU " + vcpu.index());
    }
    c.handlerStep = 1;
    c.vector = vector;
    // The IDT gate enters the kernel (CPL 0) from whatever level the vCPU was at.
    c.interruptedCpl = vcpu.cpl();
    vcpu.setCpl(0);
    // Added, not set: an interrupt injected at the EOI's entry cuts nothing short, and the work
    // the previous interrupt cut short is still to be resumed.
    c.resumeIterations += vcpu.unfinishedIterations();
    c.resumeCompute += vcpu.unfinishedComputeCycles();
  }
}
