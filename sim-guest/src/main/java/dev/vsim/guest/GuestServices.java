package dev.vsim.guest;

import dev.vsim.cpu.vmx.Vcpu;

/**
 * What a workload asks of the guest kernel: system calls and scheduling, as a process's threads do
 * (munmap, futex waits and wakes, exit). A call made from {@link
 * dev.vsim.guest.workload.Workload#next} that returns {@code true} (or {@link #idle}) leaves the
 * calling vCPU in the kernel: the workload then returns without an operation, the kernel runs its
 * own (IPIs, the wait for acknowledgements, HLT) and asks the workload for its next operation once
 * the thread is back in user mode.
 */
public interface GuestServices {
  /** The simulated time. */
  long now();

  /**
   * munmap of {@code pages} 4 KiB pages from {@code address} on {@code vcpu}: the PTEs are cleared
   * and the TLBs of the process's CPUs flushed (a TLB shootdown); once it is complete the range is
   * mapped again onto the same memory (the process allocates it again; a new mapping needs no
   * shootdown).
   *
   * @return true if the thread waits in the kernel for the shootdown (the workload's next call on
   *     this vCPU is the return from munmap), false if it completed at once
   */
  boolean munmap(Vcpu vcpu, long address, int pages);

  /**
   * The process's {@code threads} threads, runnable from the start, share the vCPUs under the
   * kernel's scheduler from now on.
   *
   * @param sliceCycles how long a thread runs before others waiting for its vCPU get a turn
   * @param switchCycles a context switch from one thread to another
   */
  void startThreads(int threads, long sliceCycles, long switchCycles);

  /**
   * The thread running on {@code vcpu}, switching to the next runnable one if there is none.
   *
   * @return the thread, or -1 if nothing is runnable on it
   */
  int currentThread(Vcpu vcpu);

  /**
   * The context switches into the current thread of {@code vcpu} not yet paid for, in cycles: the
   * thread's next work pays them (the count restarts at 0).
   */
  long takeSwitchCycles(Vcpu vcpu);

  /** The current thread of {@code vcpu} waits (a futex wait): the vCPU is free. */
  void block(Vcpu vcpu);

  /**
   * Wakes {@code thread} (a futex wake from {@code vcpu}'s current thread).
   *
   * @return true if the vCPU it was queued on idles: a reschedule IPI is sent to it before the
   *     workload's next operation on {@code vcpu} (the workload returns without one)
   */
  boolean wake(Vcpu vcpu, int thread);

  /** A preemption point of {@code vcpu}'s current thread: it yields if it has run its slice. */
  void condResched(Vcpu vcpu);

  /**
   * Nothing to run on {@code vcpu}: its idle loop halts until a thread is runnable there or, after
   * an interrupt, the run is over ({@code untilCycles}); the workload is then asked for its next
   * operation. The workload returns without one.
   */
  void idle(Vcpu vcpu, long untilCycles);

  /**
   * The process ends: every other vCPU in its idle loop is sent a reschedule IPI so that it
   * finishes, before the workload's next operation on {@code vcpu} (the workload returns without
   * one if there is any).
   *
   * @return the number of vCPUs woken
   */
  int wakeIdleCpus(Vcpu vcpu);

  /**
   * The process's thread on {@code vcpu} exits: it leaves the mm (flushing what it still owes) and
   * the vCPU runs nothing more.
   */
  void exit(Vcpu vcpu);
}
