package dev.vsim.guest.sched;

import it.unimi.dsi.fastutil.ints.IntArrayFIFOQueue;

/**
 * The guest kernel's scheduler for the threads of one process, in the manner of Linux CFS as far as
 * a pipeline of equal-priority threads needs it: a run queue per CPU, a woken thread placed on its
 * previous CPU if that is idle, else on any idle CPU, else queued behind its previous CPU's current
 * thread (select_idle_sibling); a CPU with nothing to run pulls a waiting thread from the longest
 * queue (newidle balance); a thread that has run a whole slice while others wait on its CPU goes to
 * the back of the queue. It decides only; the guest kernel ({@code GuestKernel}) runs the choices.
 */
public final class GuestScheduler {
  private final int cpus;
  private final long sliceCycles;
  private final int[] current; // per CPU: the running thread, -1 when idle
  private final IntArrayFIFOQueue[] runQueue; // per CPU: threads ready to run there
  private final long[] sliceStart; // per CPU: when the current thread started running
  private final boolean[] offline; // per CPU: runs nothing more
  private final int[] lastCpu; // per thread
  private boolean lastWakeIdle;

  /**
   * @param threads the process's threads, runnable from the start and dealt to the CPUs in turn
   * @param sliceCycles how long a thread runs before others waiting on its CPU get a turn
   */
  public GuestScheduler(int cpus, int threads, long sliceCycles) {
    if (cpus < 1 || threads < 1 || sliceCycles < 1) {
      throw new IllegalArgumentException("a scheduler needs CPUs, threads and a time slice");
    }
    this.cpus = cpus;
    this.sliceCycles = sliceCycles;
    current = new int[cpus];
    java.util.Arrays.fill(current, -1);
    runQueue = new IntArrayFIFOQueue[cpus];
    sliceStart = new long[cpus];
    offline = new boolean[cpus];
    for (int c = 0; c < cpus; c++) {
      runQueue[c] = new IntArrayFIFOQueue();
    }
    lastCpu = new int[threads];
    for (int t = 0; t < threads; t++) {
      lastCpu[t] = t % cpus;
      runQueue[t % cpus].enqueue(t);
    }
  }

  /**
   * Linux's time slice floor, sched_min_granularity: 0.75 ms scaled by 1 + log2 of the CPU count
   * (at most 8 counted), as the kernel's default tunable scaling does.
   */
  public static long minGranularityCycles(int cpus, long hz) {
    int factor = 1 + (31 - Integer.numberOfLeadingZeros(Math.min(cpus, 8)));
    return hz * 3 / 4000 * factor;
  }

  /** The thread running on {@code cpu}, or -1. */
  public int current(int cpu) {
    return current[cpu];
  }

  /** Whether a thread waits to run on {@code cpu}. */
  public boolean hasRunnable(int cpu) {
    return !runQueue[cpu].isEmpty();
  }

  /**
   * Makes the next thread current on idle {@code cpu}: the head of its queue, else one pulled from
   * the longest queue of another CPU.
   *
   * @return the thread, or -1 if there is nothing to run
   */
  public int pickNext(int cpu, long now) {
    if (current[cpu] >= 0) {
      throw new IllegalStateException("CPU " + cpu + " already runs thread " + current[cpu]);
    }
    IntArrayFIFOQueue from = runQueue[cpu];
    if (from.isEmpty()) {
      int busiest = -1;
      for (int c = 0; c < cpus; c++) {
        if (runQueue[c].size() > (busiest < 0 ? 0 : runQueue[busiest].size())) {
          busiest = c;
        }
      }
      if (busiest < 0) {
        return -1;
      }
      from = runQueue[busiest];
    }
    int t = from.dequeueInt();
    current[cpu] = t;
    lastCpu[t] = cpu;
    sliceStart[cpu] = now;
    return t;
  }

  /** The current thread of {@code cpu} waits for something (a futex): the CPU is free. */
  public void block(int cpu) {
    current[cpu] = -1;
  }

  /**
   * At a point where the current thread of {@code cpu} can be preempted: if it has run its slice
   * and another thread waits there, it goes to the back of the queue and the CPU is free.
   *
   * @return whether it was switched out
   */
  public boolean endOfSlice(int cpu, long now) {
    int t = current[cpu];
    if (t < 0 || runQueue[cpu].isEmpty() || now - sliceStart[cpu] < sliceCycles) {
      return false;
    }
    runQueue[cpu].enqueue(t);
    current[cpu] = -1;
    return true;
  }

  /**
   * A woken thread is queued on a CPU: its previous one if idle, else the first idle one after it,
   * else its previous one.
   *
   * @return the CPU, or -1 if every CPU is offline; {@link #lastWakeFoundIdle} says whether that
   *     CPU was idle (it needs a reschedule IPI to leave its idle loop)
   */
  public int wake(int thread) {
    int prev = lastCpu[thread];
    int target = -1;
    for (int i = 0; i < cpus && target < 0; i++) {
      int c = (prev + i) % cpus;
      if (isIdle(c)) {
        target = c;
      }
    }
    lastWakeIdle = target >= 0;
    if (target < 0) {
      for (int i = 0; i < cpus && target < 0; i++) {
        int c = (prev + i) % cpus;
        target = offline[c] ? -1 : c;
      }
      if (target < 0) {
        return -1;
      }
    }
    runQueue[target].enqueue(thread);
    return target;
  }

  /** Whether the CPU the last {@link #wake} chose had nothing to run. */
  public boolean lastWakeFoundIdle() {
    return lastWakeIdle;
  }

  /** The CPU runs nothing more (its vCPU's work is over): no thread is placed there. */
  public void offline(int cpu) {
    offline[cpu] = true;
    current[cpu] = -1;
  }

  private boolean isIdle(int c) {
    return !offline[c] && current[c] < 0 && runQueue[c].isEmpty();
  }
}
