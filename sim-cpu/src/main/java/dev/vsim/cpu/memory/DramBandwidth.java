package dev.vsim.cpu.memory;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import java.util.Arrays;

/**
 * Memory bandwidth shared by concurrent streams (zeroing pages, a guest dirtying memory): each
 * stream moves its bytes at most at its own rate (what one core can issue), and together they get
 * at most the channels' bandwidth, shared max-min fairly (water-filling). Every arrival and
 * departure re-divides the bandwidth and reschedules the completions, so 32 vCPUs writing at once
 * are bandwidth-bound as on a real machine while one stream runs at its own core-bound rate.
 *
 * <p>Rates are bytes per cycle; a completion is scheduled at the first cycle by which every byte
 * has moved.
 */
public final class DramBandwidth implements EventHandler {
  private final EventKernel kernel;
  private final double totalPerCycle;
  private final long frequencyHz;
  private boolean[] fixed = new boolean[16];

  private int size;
  private double[] remaining = new double[16];
  private double[] cap = new double[16];
  private double[] rate = new double[16];
  private EventHandler[] done = new EventHandler[16];
  private long[] arg = new long[16];
  private long[] event = new long[16];
  private long[] id = new long[16];
  private long lastUpdate;
  private long nextId;
  private final Counter bytes;
  private final Counter streams;

  /**
   * @param bytesPerSecond bandwidth of the memory channels
   * @param frequencyHz cycles per second of simulated time
   */
  public DramBandwidth(EventKernel kernel, long bytesPerSecond, long frequencyHz, StatGroup stats) {
    this.kernel = kernel;
    this.frequencyHz = frequencyHz;
    this.totalPerCycle = (double) bytesPerSecond / frequencyHz;
    this.bytes = stats.counter("bytes");
    this.streams = stats.counter("streams");
  }

  /**
   * Starts moving {@code length} bytes at no more than {@code maxBytesPerSecond}; {@code
   * whenDone.onEvent(now, doneArg)} fires when the last byte has moved.
   *
   * @return the stream's id
   */
  public long start(long length, long maxBytesPerSecond, EventHandler whenDone, long doneArg) {
    if (length <= 0) {
      throw new IllegalArgumentException("a transfer needs bytes to move");
    }
    advance();
    if (size == remaining.length) {
      grow();
    }
    int i = size++;
    remaining[i] = length;
    cap[i] = (double) maxBytesPerSecond / frequencyHz;
    done[i] = whenDone;
    arg[i] = doneArg;
    event[i] = -1;
    id[i] = nextId++;
    bytes.add(length);
    streams.increment();
    reshare();
    return id[i];
  }

  /** Number of streams moving bytes now. */
  public int active() {
    return size;
  }

  /** The current rate of each active stream, in bytes per cycle, in start order (for tests). */
  public double[] rates() {
    return Arrays.copyOf(rate, size);
  }

  @Override
  public void onEvent(long now, long streamId) {
    advance();
    int i = indexOf(streamId);
    EventHandler h = done[i];
    long a = arg[i];
    removeAt(i);
    reshare();
    h.onEvent(now, a);
  }

  /** Moves every stream's bytes up to now at its current rate. */
  private void advance() {
    long now = kernel.now();
    long dt = now - lastUpdate;
    if (dt > 0) {
      for (int i = 0; i < size; i++) {
        remaining[i] = Math.max(0, remaining[i] - rate[i] * dt);
      }
    }
    lastUpdate = now;
  }

  /** Water-filling: streams below the fair share keep their cap; the rest split what is left. */
  private void reshare() {
    int n = size;
    double left = totalPerCycle;
    int unfixed = n;
    Arrays.fill(fixed, 0, n, false);
    boolean changed = true;
    while (changed && unfixed > 0) {
      changed = false;
      double share = left / unfixed;
      for (int i = 0; i < n; i++) {
        if (!fixed[i] && cap[i] <= share) {
          rate[i] = cap[i];
          left -= cap[i];
          fixed[i] = true;
          unfixed--;
          changed = true;
        }
      }
    }
    double share = unfixed > 0 ? left / unfixed : 0;
    long now = kernel.now();
    for (int i = 0; i < n; i++) {
      if (!fixed[i]) {
        rate[i] = share;
      }
      if (event[i] >= 0) {
        kernel.cancel(event[i]);
      }
      long cycles = (long) Math.ceil(remaining[i] / rate[i]);
      event[i] = kernel.schedule(now + cycles, this, id[i]);
    }
  }

  private int indexOf(long streamId) {
    for (int i = 0; i < size; i++) {
      if (id[i] == streamId) {
        return i;
      }
    }
    throw new IllegalStateException("no stream " + streamId);
  }

  /** Removes stream i, keeping the others in start order. */
  private void removeAt(int i) {
    int tail = size - i - 1;
    System.arraycopy(remaining, i + 1, remaining, i, tail);
    System.arraycopy(cap, i + 1, cap, i, tail);
    System.arraycopy(rate, i + 1, rate, i, tail);
    System.arraycopy(done, i + 1, done, i, tail);
    System.arraycopy(arg, i + 1, arg, i, tail);
    System.arraycopy(event, i + 1, event, i, tail);
    System.arraycopy(id, i + 1, id, i, tail);
    done[--size] = null;
  }

  private void grow() {
    int n = remaining.length * 2;
    remaining = Arrays.copyOf(remaining, n);
    cap = Arrays.copyOf(cap, n);
    rate = Arrays.copyOf(rate, n);
    done = Arrays.copyOf(done, n);
    arg = Arrays.copyOf(arg, n);
    event = Arrays.copyOf(event, n);
    id = Arrays.copyOf(id, n);
    fixed = new boolean[n];
  }
}
