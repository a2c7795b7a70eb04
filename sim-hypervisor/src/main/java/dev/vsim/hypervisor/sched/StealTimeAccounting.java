package dev.vsim.hypervisor.sched;

import dev.vsim.cpu.pv.StealTime;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Keeps each vCPU task's guest steal-time area ({@code MSR_KVM_STEAL_TIME}) up to date as KVM does:
 * when the task is scheduled in, the wait since the last update is added to {@code steal} and the
 * preempted byte is cleared ({@code record_steal_time}, which also honours a PV TLB flush request
 * the guest left in the byte); when a runnable task is preempted the byte gets {@code
 * KVM_VCPU_PREEMPTED} ({@code kvm_steal_time_set_preempted}). A task that blocks (HLT) is not
 * marked preempted.
 */
public final class StealTimeAccounting implements SchedulerListener {
  private final FairScheduler scheduler;
  private final IntConsumer flushRequested;
  private StealTime[] areas = new StealTime[16];
  private long[] reported = new long[16];

  /**
   * @param flushRequested called with the task id when a guest asked for a TLB flush while its vCPU
   *     was preempted; the hypervisor flushes that vCPU's TLB before it enters the guest
   */
  public StealTimeAccounting(FairScheduler scheduler, IntConsumer flushRequested) {
    this.scheduler = scheduler;
    this.flushRequested = flushRequested;
    scheduler.addListener(this);
  }

  /** Tracks {@code task}'s steal time in {@code area} (the guest enabled steal time). */
  public void attach(int task, StealTime area) {
    if (task >= areas.length) {
      int n = Math.max(task + 1, areas.length * 2);
      areas = Arrays.copyOf(areas, n);
      reported = Arrays.copyOf(reported, n);
    }
    areas[task] = area;
    reported[task] = scheduler.stealCycles(task);
  }

  @Override
  public void onScheduledIn(int task, int pcpu, long now) {
    StealTime st = task < areas.length ? areas[task] : null;
    if (st == null) {
      return;
    }
    long steal = scheduler.stealCycles(task);
    st.addSteal(steal - reported[task]);
    reported[task] = steal;
    if (st.clearOnEntry()) {
      flushRequested.accept(task);
    }
  }

  @Override
  public void onPreempted(int task, long now) {
    StealTime st = task < areas.length ? areas[task] : null;
    if (st != null) {
      st.markPreempted();
    }
  }
}
