package dev.vsim.guest;

import dev.vsim.cpu.pv.Msr;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestCode;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.cpu.vmx.VmExit;
import dev.vsim.guest.memory.GuestMemory;
import dev.vsim.guest.workload.Workload;

/**
 * The guest operating system of one VM, as far as the simulated workloads need it: it runs the
 * workload on every vCPU, manages the guest's memory ({@link GuestMemory}), takes interrupts (IDT
 * delivery, the handler, EOI by an x2APIC MSR write, which exits without APIC virtualization) and
 * page faults, resuming the interrupted work afterwards: a loop, a computation, a memory touch.
 */
public final class GuestKernel implements GuestCode {
  private Workload workload;
  private final GuestMemory memory;
  private final long interruptHandlerCycles;
  private final CpuState[] cpus;

  /** Per-vCPU kernel state: an interrupt handler in progress and the loop it interrupted. */
  private static final class CpuState {
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
    this.memory = memory;
    this.interruptHandlerCycles = interruptHandlerCycles;
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

  @Override
  public boolean pageFault(Vcpu vcpu, long linear, boolean write) {
    return workload.pageFault(vcpu, linear, write);
  }

  @Override
  public void next(Vcpu vcpu, GuestOp op) {
    CpuState c = cpus[vcpu.index()];
    if (c.handlerStep == 1) {
      c.handlerStep = 2;
      op.compute(interruptHandlerCycles);
      return;
    }
    if (c.handlerStep == 2) {
      c.handlerStep = 0;
      op.exit(ExitReason.MSR_WRITE, 0, 1).wrmsr(Msr.X2APIC_EOI, 0);
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
      if (workload.resumesAfterInterrupt(vcpu)) {
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
    workload.next(vcpu, op);
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
