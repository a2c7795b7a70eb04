package dev.vsim.hypervisor.sched;

/**
 * What the hypervisor hears from the host scheduler about its threads, as KVM hears it through the
 * preempt notifiers ({@code kvm_sched_out} / {@code kvm_sched_in}). Task ids are those {@link
 * FairScheduler#add} returned.
 */
public interface SchedulerListener {
  /**
   * A runnable task was taken off its pCPU at {@code now} (not called when a task blocks): KVM sets
   * the vCPU's preempted flag here ({@code kvm_steal_time_set_preempted}).
   */
  default void onPreempted(int task, long now) {}

  /**
   * The task starts running on {@code pcpu} at {@code now}, just before its {@link HostTask#run}:
   * KVM accounts steal time and clears the preempted flag at the next entry ({@code
   * record_steal_time}).
   */
  default void onScheduledIn(int task, int pcpu, long now) {}

  /**
   * A blocked task was made runnable ({@link FairScheduler#wake}): KVM marks a vCPU woken from halt
   * as ready to run ({@code kvm_vcpu_wake_up}). Called after the task is queued (or picked).
   */
  default void onWoken(int task) {}
}
