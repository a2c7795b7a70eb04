package dev.vsim.cpu.sync;

import dev.vsim.cpu.event.EventHandler;
import java.util.Arrays;

/**
 * A FIFO of waiters, each an (event handler, argument, mode, arrival time, hardware thread) kept in
 * primitive ring buffers so that queueing allocates nothing once the buffers have grown.
 */
final class WaitQueue {
  private EventHandler[] handlers = new EventHandler[16];
  private long[] args = new long[16];
  private long[] since = new long[16];
  private boolean[] writer = new boolean[16];
  private int[] cpu = new int[16];
  private int head;
  private int size;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  void add(EventHandler h, long arg, long now, boolean isWriter, int onCpu) {
    if (size == handlers.length) {
      grow();
    }
    int i = (head + size) & (handlers.length - 1);
    handlers[i] = h;
    args[i] = arg;
    since[i] = now;
    writer[i] = isWriter;
    cpu[i] = onCpu;
    size++;
  }

  boolean headIsWriter() {
    return writer[head];
  }

  EventHandler headHandler() {
    return handlers[head];
  }

  long headArg() {
    return args[head];
  }

  int headCpu() {
    return cpu[head];
  }

  long headSince() {
    return since[head];
  }

  void removeHead() {
    handlers[head] = null;
    head = (head + 1) & (handlers.length - 1);
    size--;
  }

  private void grow() {
    int n = handlers.length;
    EventHandler[] h = new EventHandler[n * 2];
    long[] a = new long[n * 2];
    long[] s = new long[n * 2];
    boolean[] w = new boolean[n * 2];
    int[] c = new int[n * 2];
    for (int k = 0; k < size; k++) {
      int i = (head + k) & (n - 1);
      h[k] = handlers[i];
      a[k] = args[i];
      s[k] = since[i];
      w[k] = writer[i];
      c[k] = cpu[i];
    }
    handlers = h;
    args = a;
    since = s;
    writer = w;
    cpu = c;
    head = 0;
    Arrays.fill(handlers, size, handlers.length, null);
  }
}
