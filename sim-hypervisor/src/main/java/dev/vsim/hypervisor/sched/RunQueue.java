package dev.vsim.hypervisor.sched;

import java.util.Arrays;

/**
 * The waiting tasks of one pCPU (the running one is not in it), ordered by (vruntime, task id): an
 * indexed binary min-heap over task ids, so picking the leftmost task, enqueueing and removing any
 * task (a migration) are O(log n) and allocate nothing once the heap has grown. It stands in for
 * the CFS red-black tree.
 */
final class RunQueue {
  private final TaskTable tasks;
  private int[] heap = new int[8];
  private int size;
  private long weight;

  RunQueue(TaskTable tasks) {
    this.tasks = tasks;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Sum of the waiting tasks' weights. */
  long weight() {
    return weight;
  }

  /** The task with the smallest vruntime, or -1. */
  int first() {
    return size == 0 ? -1 : heap[0];
  }

  /** The i-th task in heap order (for scans that do not care about order). */
  int at(int i) {
    return heap[i];
  }

  void add(int t) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    weight += tasks.weight[t];
    siftUp(size++, t);
  }

  int pollFirst() {
    int t = heap[0];
    remove(t);
    return t;
  }

  void remove(int t) {
    int i = tasks.queuePos[t];
    if (i < 0 || i >= size || heap[i] != t) {
      throw new IllegalStateException("task " + t + " is not in this run queue");
    }
    weight -= tasks.weight[t];
    tasks.queuePos[t] = -1;
    int last = heap[--size];
    if (i < size) {
      siftDown(i, last);
      if (heap[i] == last) {
        siftUp(i, last);
      }
    }
  }

  private void siftUp(int i, int t) {
    while (i > 0) {
      int p = (i - 1) >>> 1;
      int pt = heap[p];
      if (!tasks.before(t, pt)) {
        break;
      }
      heap[i] = pt;
      tasks.queuePos[pt] = i;
      i = p;
    }
    heap[i] = t;
    tasks.queuePos[t] = i;
  }

  private void siftDown(int i, int t) {
    while (true) {
      int c = 2 * i + 1;
      if (c >= size) {
        break;
      }
      int ct = heap[c];
      if (c + 1 < size && tasks.before(heap[c + 1], ct)) {
        c++;
        ct = heap[c];
      }
      if (!tasks.before(ct, t)) {
        break;
      }
      heap[i] = ct;
      tasks.queuePos[ct] = i;
      i = c;
    }
    heap[i] = t;
    tasks.queuePos[t] = i;
  }
}
