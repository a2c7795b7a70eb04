package dev.vsim.cpu.memory;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import java.util.Arrays;

/**
 * Memory bandwidth shared by concurrent streams (zeroing pages, a guest dirtying memory): each
 * stream moves its bytes at most at its own rate (what one core can issue), and together they get
 * at most the channels' bandwidth, shared max-min fairly (water-filling): streams whose cap is
 * below the fair share of what is left keep their cap, the rest split the remainder equally. So 32
 * vCPUs writing at once are bandwidth-bound as on a real machine while one stream runs at its own
 * core-bound rate.
 *
 * <p>Streams with the same cap form a <em>class</em>, and there are few classes (one per kind of
 * issuer). Max-min fairness gives every stream of a class the same rate, so a class keeps a virtual
 * service clock {@code S}: the bytes each of its streams has been served since the class last
 * became busy. A stream that starts at {@code S0} with {@code length} bytes is done when {@code S}
 * reaches {@code S0 + length}, its finish value. Since all streams of a class advance {@code S}
 * together, rate changes never reorder their completions: the class's next completion is always the
 * least finish value in a min-heap, and the model is exact, not an approximation. An arrival or a
 * departure advances each class's clock, re-divides the bandwidth over the classes and moves at
 * most one kernel event per class (its heap head's completion), so a change costs O(classes) kernel
 * operations and O(log n) heap work instead of rescheduling every stream.
 *
 * <p>Rates are bytes per cycle; a completion fires at the first cycle by which every byte has moved
 * (up to a rounding tolerance of at most 1e-3 bytes). Streams live in recycled slots of primitive
 * arrays, so starting one allocates nothing once the arrays have grown to the peak concurrency.
 */
public final class DramBandwidth implements EventHandler {
  /**
   * Clocks are rebased to zero past this many bytes so doubles keep sub-nanobyte resolution however
   * long the run (2^20: ulp below 1e-9).
   */
  private static final double REBASE = 1 << 20;

  private final EventKernel kernel;
  private final double totalPerCycle;
  private final long frequencyHz;
  private final Counter bytes;
  private final Counter streams;

  // Stream slots, recycled through a free list.
  private EventHandler[] done = new EventHandler[64];
  private long[] arg = new long[64];
  private long[] id = new long[64];
  private long[] length = new long[64];
  private int[] slotClass = new int[64]; // -1 when the slot is free
  private int[] nextFree = new int[64];
  private int freeHead = -1;
  private int slotsUsed;
  private int size;
  private long nextId;

  // Classes, one per distinct cap.
  private int classCount;
  private long[] capBytesPerSecond = new long[4];
  private double[] capRate = new double[4];
  private int[] byCap = new int[4]; // class indices in increasing cap, for water-filling
  private int[] count = new int[4];
  private double[] rate = new double[4];
  private double[] served = new double[4]; // the virtual clock S
  private long[] event = new long[4]; // the pending completion event, or -1
  private long[] eventTime = new long[4];
  private double[][] heapFinish = new double[4][];
  private int[][] heapSlot = new int[4][];
  private int lastClass = -1;
  private long lastUpdate;

  // Completions popped but not yet reported; a stack so a handler that re-enters stays safe.
  private EventHandler[] batchDone = new EventHandler[16];
  private long[] batchArg = new long[16];
  private long[] batchId = new long[16];
  private int batchTop;

  /**
   * @param bytesPerSecond bandwidth of the memory channels
   * @param frequencyHz cycles per second of simulated time
   */
  public DramBandwidth(EventKernel kernel, long bytesPerSecond, long frequencyHz, StatGroup stats) {
    this.kernel = kernel;
    this.frequencyHz = frequencyHz;
    this.totalPerCycle = (double) bytesPerSecond / frequencyHz;
    this.bytes =
        stats.counter(
            "bytes", Unit.BYTES, "Bytes moved by memory streams through the DRAM channels");
    this.streams =
        stats.counter("streams", Unit.COUNT, "Memory streams that shared the DRAM bandwidth");
  }

  /**
   * Starts moving {@code length} bytes at no more than {@code maxBytesPerSecond}; {@code
   * whenDone.onEvent(now, doneArg)} fires when the last byte has moved. Safe to call from a
   * completion handler.
   *
   * @return the stream's id
   */
  public long start(long length, long maxBytesPerSecond, EventHandler whenDone, long doneArg) {
    if (length <= 0) {
      throw new IllegalArgumentException("a transfer needs bytes to move");
    }
    if (maxBytesPerSecond <= 0) {
      throw new IllegalArgumentException("a stream that may not move bytes never finishes");
    }
    advance();
    int k = classOf(maxBytesPerSecond);
    int s = allocateSlot();
    long streamId = nextId++;
    done[s] = whenDone;
    arg[s] = doneArg;
    id[s] = streamId;
    this.length[s] = length;
    slotClass[s] = k;
    push(k, served[k] + length, s);
    size++;
    bytes.add(length);
    streams.increment();
    reshare();
    return streamId;
  }

  /** Bytes moved through these channels so far (streams started). */
  public long bytes() {
    return bytes.value();
  }

  /** Streams started on these channels so far. */
  public long streams() {
    return streams.value();
  }

  /** Number of streams moving bytes now. */
  public int active() {
    return size;
  }

  /**
   * The current rate of each active stream, in bytes per cycle, in start order (for tests; it
   * allocates and sorts).
   */
  public double[] rates() {
    long[] ids = new long[size];
    int n = 0;
    for (int s = 0; s < slotsUsed; s++) {
      if (slotClass[s] >= 0) {
        ids[n++] = id[s];
      }
    }
    Arrays.sort(ids);
    double[] r = new double[size];
    for (int s = 0; s < slotsUsed; s++) {
      if (slotClass[s] >= 0) {
        r[Arrays.binarySearch(ids, id[s])] = rate[slotClass[s]];
      }
    }
    return r;
  }

  /** A class's completion event: its heap head is done. */
  @Override
  public void onEvent(long now, long classIndex) {
    int k = (int) classIndex;
    event[k] = -1;
    advance();
    if (count[k] == 0) {
      return;
    }
    int base = batchTop;
    // The event was scheduled for the head's last byte with the current rates (any change since
    // would have moved it), so the head is done even if rounding left a sliver on the clock.
    popHead(k);
    while (count[k] > 0 && due(k)) {
      popHead(k);
    }
    if (count[k] == 0) {
      served[k] = 0;
    }
    int end = batchTop;
    sortBatchById(base, end);
    reshare();
    // Handlers run after the bookkeeping, so one may start a stream; a nested batch lives above
    // ours on the stack, and the arrays are re-read in case it grew them.
    for (int i = base; i < end; i++) {
      EventHandler h = batchDone[i];
      batchDone[i] = null;
      h.onEvent(now, batchArg[i]);
    }
    batchTop = base;
  }

  /** Serves every busy class's streams up to now at the class's current rate. */
  private void advance() {
    long now = kernel.now();
    long dt = now - lastUpdate;
    lastUpdate = now;
    if (dt <= 0) {
      return;
    }
    for (int k = 0; k < classCount; k++) {
      if (count[k] > 0) {
        served[k] += rate[k] * dt;
        if (served[k] >= REBASE) {
          rebase(k);
        }
      }
    }
  }

  /**
   * Water-filling over the classes in increasing cap (the classes below the fair share keep their
   * cap, the rest split what is left), then moves each class's completion event if it changed.
   */
  private void reshare() {
    double left = totalPerCycle;
    int unfixed = size;
    int c = 0;
    for (; c < classCount; c++) {
      int k = byCap[c];
      if (count[k] == 0) {
        continue;
      }
      if (capRate[k] > left / unfixed) {
        break; // this cap and every larger one exceed the fair share
      }
      rate[k] = capRate[k];
      left -= capRate[k] * count[k];
      unfixed -= count[k];
    }
    double share = unfixed > 0 ? left / unfixed : 0;
    for (; c < classCount; c++) {
      rate[byCap[c]] = share;
    }
    long now = kernel.now();
    for (int k = 0; k < classCount; k++) {
      if (count[k] == 0) {
        if (event[k] >= 0) {
          kernel.cancel(event[k]);
          event[k] = -1;
        }
        continue;
      }
      long t = now;
      if (!due(k)) {
        // Half the tolerance early, so the clock has surely reached the head when the event fires.
        double remaining = heapFinish[k][0] - served[k];
        t += (long) Math.ceil((remaining - tolerance(heapSlot[k][0]) / 2) / rate[k]);
      }
      if (event[k] >= 0) {
        if (eventTime[k] == t) {
          continue;
        }
        // As cancelling and scheduling again, but a far event stays in the kernel's heap.
        event[k] = kernel.reschedule(event[k], t);
      } else {
        event[k] = kernel.schedule(t, this, k);
      }
      eventTime[k] = t;
    }
  }

  /** Whether class k's head has moved all its bytes, up to rounding. */
  private boolean due(int k) {
    return heapFinish[k][0] - served[k] <= tolerance(heapSlot[k][0]);
  }

  /** Rounding slack for the stream in slot s: far below a byte, and below a millionth of it. */
  private double tolerance(int s) {
    return Math.min(1e-3, 1e-6 * length[s]);
  }

  /** Shifts class k's clock and finish values down by its clock; order is kept (heapified). */
  private void rebase(int k) {
    double shift = served[k];
    double[] f = heapFinish[k];
    int n = count[k];
    for (int i = 0; i < n; i++) {
      f[i] -= shift; // exact while a finish is within twice the clock (Sterbenz)
    }
    served[k] = 0;
    // Rounding of very long streams' finish values could only make them tie; restore id order.
    for (int i = (n >>> 1) - 1; i >= 0; i--) {
      siftDown(k, i, f[i], heapSlot[k][i]);
    }
  }

  /** The class for a cap, created on first use. */
  private int classOf(long capBps) {
    if (lastClass >= 0 && capBytesPerSecond[lastClass] == capBps) {
      return lastClass;
    }
    for (int k = 0; k < classCount; k++) {
      if (capBytesPerSecond[k] == capBps) {
        lastClass = k;
        return k;
      }
    }
    if (classCount == count.length) {
      growClasses();
    }
    int k = classCount++;
    capBytesPerSecond[k] = capBps;
    capRate[k] = (double) capBps / frequencyHz;
    event[k] = -1;
    heapFinish[k] = new double[16];
    heapSlot[k] = new int[16];
    int c = k;
    while (c > 0 && capBytesPerSecond[byCap[c - 1]] > capBps) {
      byCap[c] = byCap[c - 1];
      c--;
    }
    byCap[c] = k;
    lastClass = k;
    return k;
  }

  /** Removes class k's head, frees its slot and queues its handler for the batch. */
  private void popHead(int k) {
    int s = heapSlot[k][0];
    int n = --count[k];
    if (n > 0) {
      siftDown(k, 0, heapFinish[k][n], heapSlot[k][n]);
    }
    size--;
    if (batchTop == batchDone.length) {
      int m = batchTop * 2;
      batchDone = Arrays.copyOf(batchDone, m);
      batchArg = Arrays.copyOf(batchArg, m);
      batchId = Arrays.copyOf(batchId, m);
    }
    batchDone[batchTop] = done[s];
    batchArg[batchTop] = arg[s];
    batchId[batchTop] = id[s];
    batchTop++;
    done[s] = null;
    slotClass[s] = -1;
    nextFree[s] = freeHead;
    freeHead = s;
  }

  /** Insertion sort: a batch is nearly always one stream, or a few that started together. */
  private void sortBatchById(int from, int to) {
    for (int i = from + 1; i < to; i++) {
      long key = batchId[i];
      EventHandler h = batchDone[i];
      long a = batchArg[i];
      int j = i - 1;
      while (j >= from && batchId[j] > key) {
        batchId[j + 1] = batchId[j];
        batchDone[j + 1] = batchDone[j];
        batchArg[j + 1] = batchArg[j];
        j--;
      }
      batchId[j + 1] = key;
      batchDone[j + 1] = h;
      batchArg[j + 1] = a;
    }
  }

  /** Heap order: finish value, then start order so equal finishes complete deterministically. */
  private boolean before(double fa, int sa, double fb, int sb) {
    return fa < fb || (fa == fb && id[sa] < id[sb]);
  }

  private void push(int k, double finish, int s) {
    int n = count[k]++;
    if (n == heapFinish[k].length) {
      heapFinish[k] = Arrays.copyOf(heapFinish[k], n * 2);
      heapSlot[k] = Arrays.copyOf(heapSlot[k], n * 2);
    }
    double[] f = heapFinish[k];
    int[] hs = heapSlot[k];
    int i = n;
    while (i > 0) {
      int p = (i - 1) >>> 1;
      if (!before(finish, s, f[p], hs[p])) {
        break;
      }
      f[i] = f[p];
      hs[i] = hs[p];
      i = p;
    }
    f[i] = finish;
    hs[i] = s;
  }

  /** Places (finish, s) at position i or below, over the first count[k] entries. */
  private void siftDown(int k, int i, double finish, int s) {
    double[] f = heapFinish[k];
    int[] hs = heapSlot[k];
    int n = count[k];
    while (true) {
      int c = 2 * i + 1;
      if (c >= n) {
        break;
      }
      if (c + 1 < n && before(f[c + 1], hs[c + 1], f[c], hs[c])) {
        c++;
      }
      if (!before(f[c], hs[c], finish, s)) {
        break;
      }
      f[i] = f[c];
      hs[i] = hs[c];
      i = c;
    }
    f[i] = finish;
    hs[i] = s;
  }

  private int allocateSlot() {
    if (freeHead >= 0) {
      int s = freeHead;
      freeHead = nextFree[s];
      return s;
    }
    if (slotsUsed == done.length) {
      int n = slotsUsed * 2;
      done = Arrays.copyOf(done, n);
      arg = Arrays.copyOf(arg, n);
      id = Arrays.copyOf(id, n);
      length = Arrays.copyOf(length, n);
      slotClass = Arrays.copyOf(slotClass, n);
      nextFree = Arrays.copyOf(nextFree, n);
    }
    return slotsUsed++;
  }

  private void growClasses() {
    int n = count.length * 2;
    capBytesPerSecond = Arrays.copyOf(capBytesPerSecond, n);
    capRate = Arrays.copyOf(capRate, n);
    byCap = Arrays.copyOf(byCap, n);
    count = Arrays.copyOf(count, n);
    rate = Arrays.copyOf(rate, n);
    served = Arrays.copyOf(served, n);
    event = Arrays.copyOf(event, n);
    eventTime = Arrays.copyOf(eventTime, n);
    heapFinish = Arrays.copyOf(heapFinish, n);
    heapSlot = Arrays.copyOf(heapSlot, n);
  }
}
