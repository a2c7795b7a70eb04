package dev.vsim.hypervisor.sched;

/**
 * A host thread the {@link FairScheduler} runs on pCPUs: a vCPU thread, a migration thread, a
 * kworker. The scheduler calls {@link #run} when the task's code may start executing and {@link
 * #preempt} when it must stop; the task tells the scheduler it sleeps with {@link
 * FairScheduler#block} and is made runnable again with {@link FairScheduler#wake}.
 *
 * <p>Both callbacks come from scheduler events, never from inside a call the task made. Inside
 * {@code run} the task may block itself or wake others; inside {@code preempt} it must not call the
 * scheduler (it is being taken off the pCPU).
 */
public interface HostTask {
  /**
   * The task owns {@code pcpu} from {@code now} (the context switch is already paid) until it
   * blocks or is preempted.
   */
  void run(int pcpu, long now);

  /**
   * The task loses its pCPU at {@code now} while still runnable: it must stop its work at exactly
   * this cycle (cancel its pending events and keep what is left for the next {@link #run}).
   */
  void preempt(long now);
}
