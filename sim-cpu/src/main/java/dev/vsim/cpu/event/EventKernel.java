package dev.vsim.cpu.event;

import java.util.Arrays;

/**
 * The discrete-event kernel. Time is an integer count of host cycles. Events fire in (time,
 * sequence) order, where the sequence number is the order of scheduling, so runs are deterministic.
 *
 * <p>Near events live in a timing wheel of {@code 2^wheelBits} one-cycle buckets. Every event in a
 * bucket has the same time, so a bucket is a FIFO list (scheduling order is sequence order) and
 * both scheduling and firing are O(1). A two-level bitmap of non-empty buckets finds the next event
 * by skipping 4,096 empty cycles per summary word. Events beyond the wheel's window wait in a
 * binary heap and move into the wheel when the window reaches them; since they move before any
 * event of the same time can be scheduled into the wheel, FIFO order still equals sequence order.
 *
 * <p>Event records are slots in primitive arrays, recycled through a free list, so scheduling
 * allocates nothing once the arrays have grown to the peak number of pending events. An event id
 * carries its slot and the slot's generation, so a stale id never cancels a newer event. Cancelling
 * a wheel event is O(1): the slot is marked and skipped when reached. A heap event is taken out of
 * the heap at once (O(log n), the heap tracks each slot's position), so the heap holds only live
 * events however many far events are cancelled before their time.
 */
public final class EventKernel {
  /**
   * The simulator's time range: the latest cycle a run may reach. Half of {@code Long.MAX_VALUE},
   * so that a time in range plus a span in range never wraps around.
   */
  public static final long MAX_TIME = Long.MAX_VALUE / 2;

  private static final int NIL = -1;
  private static final byte FREE = 0;
  private static final byte IN_WHEEL = 1;
  private static final byte IN_HEAP = 2;
  private static final byte CANCELLED = 3;

  private final int wheelMask;

  // Slots.
  private long[] time = new long[256];
  private long[] seq = new long[256];
  private long[] arg = new long[256];
  private EventHandler[] handler = new EventHandler[256];
  private int[] next = new int[256];
  private int[] generation = new int[256];
  private byte[] state = new byte[256];
  private int freeHead = NIL;
  private int used;

  // Wheel: a FIFO list per cycle and a two-level bitmap of non-empty buckets.
  // Bucket b's head at 2b and tail at 2b + 1: an insert reads and writes one host cache line.
  private final int[] bucket;
  private final long[] nonEmpty;
  private final long[] summary;
  private long windowBase; // the time of the wheel's first bucket
  private int wheelCount;

  // Far events: binary heap of slots ordered by (time, seq).
  private int[] heap = new int[64];
  // Each heap position's (time, seq) beside it, so that a sift compares siblings read from one or
  // two host cache lines rather than from two slots' entries in two arrays each.
  private long[] heapTime = new long[64];
  private long[] heapSeq = new long[64];
  private int heapSize;
  private int[] heapPos = new int[256]; // per slot: its index in the heap while IN_HEAP

  private long now;
  private long nextSeq;
  private long fired;
  private int pending;
  private boolean stopRequested;

  /**
   * A kernel whose wheel spans 16,384 cycles: every event of the fault-heavy runs, and all but a
   * few percent of the overcommit runs' near events, in 128 KiB of buckets that stay in a host
   * core's L2 (docs/profiles/issue13-fault-path.md counts the delays).
   */
  public EventKernel() {
    this(14);
  }

  /**
   * @param wheelBits log2 of the cycles the wheel spans (12 to 24)
   */
  public EventKernel(int wheelBits) {
    if (wheelBits < 12 || wheelBits > 24) {
      throw new IllegalArgumentException("wheelBits must be 12..24, got " + wheelBits);
    }
    this.wheelMask = (1 << wheelBits) - 1;
    this.bucket = new int[2 << wheelBits];
    Arrays.fill(bucket, NIL);
    this.nonEmpty = new long[(1 << wheelBits) >>> 6];
    this.summary = new long[nonEmpty.length >>> 6];
  }

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
    return pending;
  }

  /**
   * Schedules {@code h.onEvent(at, a)} at absolute time {@code at} (not before now).
   *
   * @return an id that {@link #cancel(long)} accepts
   */
  public long schedule(long at, EventHandler h, long a) {
    if (at < now) {
      throw new IllegalArgumentException("cannot schedule in the past: " + at + " < " + now);
    }
    int s = allocate();
    time[s] = at;
    seq[s] = nextSeq++;
    arg[s] = a;
    handler[s] = h;
    pending++;
    if (at - windowBase <= wheelMask) {
      insertWheel(s);
    } else {
      pushHeap(s);
    }
    return ((long) generation[s] << 32) | s;
  }

  /** Schedules {@code delay} cycles from now. */
  public long scheduleAfter(long delay, EventHandler h, long a) {
    return schedule(now + delay, h, a);
  }

  /**
   * Moves a pending event to {@code at}: the same as cancelling it and scheduling its handler and
   * argument again (it takes the next sequence number), but a far event that stays far is moved
   * within the heap without leaving it.
   *
   * @return the event's id from now on
   */
  public long reschedule(long id, long at) {
    int s = (int) id;
    if (s < 0 || s >= used || generation[s] != (int) (id >>> 32)) {
      throw new IllegalArgumentException("no pending event " + id);
    }
    if (at < now) {
      throw new IllegalArgumentException("cannot schedule in the past: " + at + " < " + now);
    }
    if (state[s] == IN_HEAP && at - windowBase > wheelMask) {
      time[s] = at;
      seq[s] = nextSeq++;
      int i = heapPos[s];
      siftDown(i, s);
      if (heap[i] == s) {
        siftUp(i, s);
      }
      return id;
    }
    if (state[s] != IN_WHEEL && state[s] != IN_HEAP) {
      throw new IllegalArgumentException("no pending event " + id);
    }
    EventHandler h = handler[s];
    long a = arg[s];
    cancel(id);
    return schedule(at, h, a);
  }

  /** Cancels a pending event; returns false if it already fired or was cancelled. */
  public boolean cancel(long id) {
    int s = (int) id;
    if (s < 0 || s >= used || generation[s] != (int) (id >>> 32)) {
      return false;
    }
    if (state[s] == IN_HEAP) {
      removeHeap(heapPos[s]);
      release(s);
      pending--;
      return true;
    }
    if (state[s] != IN_WHEEL) {
      return false;
    }
    state[s] = CANCELLED; // removed lazily when reached
    handler[s] = null;
    pending--;
    return true;
  }

  /** Fires the next event; returns false if none is pending. */
  public boolean step() {
    int s = pollNext(Long.MAX_VALUE);
    if (s == NIL) {
      return false;
    }
    fire(s);
    return true;
  }

  /**
   * Fires events in order until none is pending, the next is later than {@code until}, or {@link
   * #stop()} is called. Time advances to {@code until} if the queue drains before it.
   */
  public void runUntil(long until) {
    stopRequested = false;
    while (!stopRequested) {
      int s = pollNext(until);
      if (s == NIL) {
        break;
      }
      fire(s);
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

  private void fire(int s) {
    long t = time[s];
    long a = arg[s];
    EventHandler h = handler[s];
    release(s);
    pending--;
    now = t;
    fired++;
    h.onEvent(t, a);
  }

  /** Removes and returns the next live event at or before {@code limit}, or NIL. */
  private int pollNext(long limit) {
    while (true) {
      if (wheelCount == 0) {
        if (heapSize == 0) {
          return NIL;
        }
        // Jump the window to the heap's earliest event.
        long t = heapTime[0];
        if (t > limit) {
          return NIL;
        }
        advanceWindow(t);
        continue;
      }
      int b = nextNonEmpty((int) (windowBase & wheelMask));
      int s = bucket[2 * b];
      if (time[s] > limit) {
        return NIL;
      }
      if (time[s] != windowBase) {
        advanceWindow(time[s]);
      }
      bucket[2 * b] = next[s];
      if (next[s] == NIL) {
        clearBit(b);
      }
      wheelCount--;
      if (state[s] == CANCELLED) {
        release(s);
        continue;
      }
      return s;
    }
  }

  /** Moves the window start to {@code t} and pulls heap events that now fall inside it. */
  private void advanceWindow(long t) {
    windowBase = t;
    long end = windowBase + wheelMask;
    while (heapSize > 0 && heapTime[0] <= end) {
      insertWheel(popHeap()); // the heap holds only live events
    }
  }

  /** The first non-empty bucket at or after {@code from}, cyclically. */
  private int nextNonEmpty(int from) {
    int w = from >>> 6;
    long bits = nonEmpty[w] & (-1L << (from & 63));
    if (bits != 0) {
      return (w << 6) + Long.numberOfTrailingZeros(bits);
    }
    int words = summary.length;
    int sw = w >>> 6;
    long sbits = (w & 63) == 63 ? 0 : summary[sw] & (-1L << ((w & 63) + 1));
    for (int i = 0; i <= words; i++) {
      if (sbits != 0) {
        int word = (sw << 6) + Long.numberOfTrailingZeros(sbits);
        return (word << 6) + Long.numberOfTrailingZeros(nonEmpty[word]);
      }
      sw = (sw + 1) % words;
      sbits = summary[sw];
    }
    throw new IllegalStateException("the wheel counts events but no bucket holds one");
  }

  private void clearBit(int b) {
    int w = b >>> 6;
    nonEmpty[w] &= ~(1L << (b & 63));
    if (nonEmpty[w] == 0) {
      summary[w >>> 6] &= ~(1L << (w & 63));
    }
  }

  private void insertWheel(int s) {
    state[s] = IN_WHEEL;
    int b = (int) (time[s] & wheelMask);
    next[s] = NIL;
    if (bucket[2 * b] == NIL) {
      bucket[2 * b] = s;
      int w = b >>> 6;
      nonEmpty[w] |= 1L << (b & 63);
      summary[w >>> 6] |= 1L << (w & 63);
    } else {
      next[bucket[2 * b + 1]] = s;
    }
    bucket[2 * b + 1] = s;
    wheelCount++;
  }

  private int allocate() {
    int s;
    if (freeHead != NIL) {
      s = freeHead;
      freeHead = next[s];
    } else {
      if (used == time.length) {
        grow();
      }
      s = used++;
    }
    return s;
  }

  private void release(int s) {
    state[s] = FREE;
    handler[s] = null;
    generation[s]++;
    next[s] = freeHead;
    freeHead = s;
  }

  private void grow() {
    int n = time.length * 2;
    time = Arrays.copyOf(time, n);
    seq = Arrays.copyOf(seq, n);
    arg = Arrays.copyOf(arg, n);
    handler = Arrays.copyOf(handler, n);
    next = Arrays.copyOf(next, n);
    generation = Arrays.copyOf(generation, n);
    state = Arrays.copyOf(state, n);
    heapPos = Arrays.copyOf(heapPos, n);
  }

  private void pushHeap(int s) {
    state[s] = IN_HEAP;
    if (heapSize == heap.length) {
      heap = Arrays.copyOf(heap, heapSize * 2);
      heapTime = Arrays.copyOf(heapTime, heapSize * 2);
      heapSeq = Arrays.copyOf(heapSeq, heapSize * 2);
    }
    siftUp(heapSize++, s);
  }

  private int popHeap() {
    int top = heap[0];
    removeHeap(0);
    return top;
  }

  /** Takes the event at heap index {@code i} out of the heap. */
  private void removeHeap(int i) {
    int last = heap[--heapSize];
    if (i == heapSize) {
      return;
    }
    siftDown(i, last);
    if (heap[i] == last) {
      siftUp(i, last);
    }
  }

  /** Places {@code s} at index {@code i} or above, moving greater parents down. */
  private void siftUp(int i, int s) {
    long t = time[s];
    long q = seq[s];
    while (i > 0) {
      int p = (i - 1) >>> 1;
      long pt = heapTime[p];
      if (!(t < pt || (t == pt && q < heapSeq[p]))) {
        break;
      }
      move(p, i);
      i = p;
    }
    place(i, s, t, q);
  }

  /** Places {@code s} at index {@code i} or below, moving smaller children up. */
  private void siftDown(int i, int s) {
    long t = time[s];
    long q = seq[s];
    while (true) {
      int c = 2 * i + 1;
      if (c >= heapSize) {
        break;
      }
      long ct = heapTime[c];
      long cq = heapSeq[c];
      if (c + 1 < heapSize) {
        long rt = heapTime[c + 1];
        long rq = heapSeq[c + 1];
        if (rt < ct || (rt == ct && rq < cq)) {
          c++;
          ct = rt;
          cq = rq;
        }
      }
      if (!(ct < t || (ct == t && cq < q))) {
        break;
      }
      move(c, i);
      i = c;
    }
    place(i, s, t, q);
  }

  /** Moves the heap entry at {@code from} to {@code to}. */
  private void move(int from, int to) {
    int m = heap[from];
    heap[to] = m;
    heapTime[to] = heapTime[from];
    heapSeq[to] = heapSeq[from];
    heapPos[m] = to;
  }

  private void place(int i, int s, long t, long q) {
    heap[i] = s;
    heapTime[i] = t;
    heapSeq[i] = q;
    heapPos[s] = i;
  }
}
