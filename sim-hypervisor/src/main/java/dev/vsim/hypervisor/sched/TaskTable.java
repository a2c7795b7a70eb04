package dev.vsim.hypervisor.sched;

import java.util.Arrays;

/** Per-task scheduler state as parallel primitive arrays indexed by task id. */
final class TaskTable {
  static final byte BLOCKED = 0;
  static final byte QUEUED = 1;
  static final byte RUNNING = 2;

  HostTask[] task = new HostTask[16];
  int[] weight = new int[16];
  long[] vruntime = new long[16];
  // Remainder of the weighted division, so vruntime loses nothing over many updates.
  long[] vruntimeRemainder = new long[16];
  byte[] state = new byte[16];
  // The pCPU the task runs or waits on, or last ran on; -1 before it first runs.
  int[] pcpu = new int[16];
  int[] queuePos = new int[16];
  long[] queuedSince = new long[16];
  long[] runCycles = new long[16];
  long[] waitCycles = new long[16];
  long[] contextSwitches = new long[16];
  long[] preemptions = new long[16];
  long[] migrations = new long[16];
  long[] wakeups = new long[16];
  int count;

  int add(HostTask t, int w) {
    if (count == task.length) {
      grow(count * 2);
    }
    int id = count++;
    task[id] = t;
    weight[id] = w;
    state[id] = BLOCKED;
    pcpu[id] = -1;
    queuePos[id] = -1;
    return id;
  }

  private void grow(int n) {
    task = Arrays.copyOf(task, n);
    weight = Arrays.copyOf(weight, n);
    vruntime = Arrays.copyOf(vruntime, n);
    vruntimeRemainder = Arrays.copyOf(vruntimeRemainder, n);
    state = Arrays.copyOf(state, n);
    pcpu = Arrays.copyOf(pcpu, n);
    queuePos = Arrays.copyOf(queuePos, n);
    queuedSince = Arrays.copyOf(queuedSince, n);
    runCycles = Arrays.copyOf(runCycles, n);
    waitCycles = Arrays.copyOf(waitCycles, n);
    contextSwitches = Arrays.copyOf(contextSwitches, n);
    preemptions = Arrays.copyOf(preemptions, n);
    migrations = Arrays.copyOf(migrations, n);
    wakeups = Arrays.copyOf(wakeups, n);
  }

  /** CFS order: smaller vruntime first, the smaller task id on a tie so runs are deterministic. */
  boolean before(int a, int b) {
    long va = vruntime[a];
    long vb = vruntime[b];
    return va < vb || (va == vb && a < b);
  }
}
