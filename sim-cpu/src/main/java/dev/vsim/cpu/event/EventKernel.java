package dev.vsim.cpu.event;

import java.util.Arrays;

/**
 * The discrete-event kernel. Time is an integer count of host cycles. Events fire in (time,
 * sequence) order, where the sequence number is the order of scheduling, so runs are deterministic.
 *
 * <p>PLACEHOLDER implementation (binary heap on primitive arrays); the timing-wheel version
 * replaces it behind the same API.
 */
public final class EventKernel {
  private long now;
  private long nextSeq;
  private long fired;
  private boolean stopRequested;

  private int size;
  private long[] time = new long[64];
  private long[] seq = new long[64];
  private long[] arg = new long[64];
  private EventHandler[] handler = new EventHandler[64];

  /** Current simulated time in cycles. */
  public long now() {
    return now;
  }

  /** Events fired so far. */
  public long eventsFired() {
    return fired;
  }

  /** Events scheduled and neither fired nor cancelled. */
  public int pending() {
    return size;
  }

  /**
   * Schedules {@code handler.onEvent(time, arg)} at absolute {@code time} (not before now).
   *
   * @return an id that {@link #cancel(long)} accepts
   */
  public long schedule(long at, EventHandler h, long a) {
    if (at < now) {
      throw new IllegalArgumentException("cannot schedule in the past: " + at + " < " + now);
    }
    if (size == time.length) {
      int n = size * 2;
      time = Arrays.copyOf(time, n);
      seq = Arrays.copyOf(seq, n);
      arg = Arrays.copyOf(arg, n);
      handler = Arrays.copyOf(handler, n);
    }
    long s = nextSeq++;
    int i = size++;
    while (i > 0) {
      int p = (i - 1) >>> 1;
      if (!less(at, s, time[p], seq[p])) {
        break;
      }
      move(p, i);
      i = p;
    }
    time[i] = at;
    seq[i] = s;
    arg[i] = a;
    handler[i] = h;
    return s;
  }

  /** Schedules {@code delay} cycles from now. */
  public long scheduleAfter(long delay, EventHandler h, long a) {
    return schedule(now + delay, h, a);
  }

  /** Cancels a pending event; returns false if it already fired or was cancelled. */
  public boolean cancel(long id) {
    for (int i = 0; i < size; i++) {
      if (seq[i] == id) {
        removeAt(i);
        return true;
      }
    }
    return false;
  }

  /** Fires the next event; returns false if none is pending. */
  public boolean step() {
    if (size == 0) {
      return false;
    }
    long t = time[0];
    long a = arg[0];
    EventHandler h = handler[0];
    removeAt(0);
    now = t;
    fired++;
    h.onEvent(t, a);
    return true;
  }

  /**
   * Fires events in order until none is pending, the next is later than {@code until}, or {@link
   * #stop()} is called. Time advances to {@code until} if the queue drains before it.
   */
  public void runUntil(long until) {
    stopRequested = false;
    while (!stopRequested && size > 0 && time[0] <= until) {
      step();
    }
    if (!stopRequested && until > now && until != Long.MAX_VALUE) {
      now = until;
    }
  }

  /** Fires events until none is pending or {@link #stop()} is called. */
  public void run() {
    runUntil(Long.MAX_VALUE);
  }

  /** Makes the current {@code run} return after the event being fired. */
  public void stop() {
    stopRequested = true;
  }

  private static boolean less(long t1, long s1, long t2, long s2) {
    return t1 < t2 || (t1 == t2 && s1 < s2);
  }

  private void move(int from, int to) {
    time[to] = time[from];
    seq[to] = seq[from];
    arg[to] = arg[from];
    handler[to] = handler[from];
  }

  private void removeAt(int i) {
    int last = --size;
    if (i != last) {
      long t = time[last];
      long s = seq[last];
      long a = arg[last];
      EventHandler h = handler[last];
      // sift down
      int k = i;
      while (true) {
        int c = 2 * k + 1;
        if (c >= size) {
          break;
        }
        if (c + 1 < size && less(time[c + 1], seq[c + 1], time[c], seq[c])) {
          c++;
        }
        if (!less(time[c], seq[c], t, s)) {
          break;
        }
        move(c, k);
        k = c;
      }
      // sift up
      while (k > 0) {
        int p = (k - 1) >>> 1;
        if (!less(t, s, time[p], seq[p])) {
          break;
        }
        move(p, k);
        k = p;
      }
      time[k] = t;
      seq[k] = s;
      arg[k] = a;
      handler[k] = h;
    }
    handler[last] = null;
  }
}
