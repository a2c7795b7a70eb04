package dev.vsim.hypervisor.sched;

import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.Vcpu;

/**
 * A vCPU's host thread under the {@link FairScheduler}: while the scheduler runs it the vCPU makes
 * progress, when it is preempted the vCPU stops where it is, a HLT puts the thread to sleep and an
 * interrupt for it wakes it.
 */
public final class VcpuThread implements HostTask, Vcpu.HostThread {
  private final FairScheduler scheduler;
  private final Vcpu vcpu;
  private final int task;
  private boolean started;
  private boolean exited;

  /** Registers the thread with the scheduler (nice 0); {@link #start} makes it runnable. */
  public VcpuThread(FairScheduler scheduler, Vcpu vcpu, StatGroup stats) {
    this.scheduler = scheduler;
    this.vcpu = vcpu;
    this.task = scheduler.add(this, FairScheduler.NICE_0_WEIGHT, stats);
    vcpu.setHostThread(this);
  }

  /** The scheduler's id of this thread. */
  public int task() {
    return task;
  }

  public Vcpu vcpu() {
    return vcpu;
  }

  /** Makes the thread runnable on {@code pcpu} (the guest starts when it first runs). */
  public void start(int pcpu) {
    scheduler.start(task, pcpu);
  }

  /** The guest finished: the thread leaves its pCPU for good. */
  public void exit() {
    exited = true;
    if (scheduler.isCurrent(task)) {
      scheduler.block(task);
    }
  }

  @Override
  public void run(int pcpu, long now) {
    if (exited) {
      scheduler.block(task);
    } else if (!started) {
      started = true;
      vcpu.start();
    } else if (vcpu.isPreempted()) {
      vcpu.resume();
    }
  }

  @Override
  public void preempt(long now) {
    if (!vcpu.isPreempted()) {
      vcpu.preempt();
    }
  }

  @Override
  public void sleeps(Vcpu v) {
    scheduler.block(task);
  }

  @Override
  public void wakes(Vcpu v) {
    scheduler.wake(task);
  }

  @Override
  public boolean aloneOnItsCpu() {
    return scheduler.nrRunning(scheduler.pcpuOf(task)) == 1;
  }
}
