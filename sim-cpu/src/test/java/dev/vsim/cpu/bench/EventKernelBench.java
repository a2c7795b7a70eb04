package dev.vsim.cpu.bench;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hold model: with N events pending, each operation fires the earliest and schedules a new one
 * a random delay later, so the queue size stays N. One benchmark operation is one event. The delays
 * are drawn ahead of time (exponential, mean 1,000 cycles) so the queue is measured, not the random
 * number generator. {@code priorityQueue} is the java.util.PriorityQueue baseline.
 *
 * <p>Run: {@code ./bench sim-cpu EventKernelBench}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EventKernelBench {
  @Param({"16", "1024", "65536"})
  int pending;

  /** log2 of the wheel's span in cycles (the simulator's default unless given with -p). */
  @Param({"0"})
  int wheelBits;

  private static final int DELAYS = 1 << 16;
  private final long[] delays = new long[DELAYS];
  private int nextDelay;

  private EventKernel kernel;
  private Hold hold;

  private PriorityQueue<Ev> queue;
  private long queueNow;
  private long queueSeq;

  /** A boxed event for the baseline. */
  record Ev(long time, long seq, long arg) implements Comparable<Ev> {
    @Override
    public int compareTo(Ev o) {
      return time != o.time ? Long.compare(time, o.time) : Long.compare(seq, o.seq);
    }
  }

  /** Reschedules itself on every firing: the hold model's handler. */
  private final class Hold implements EventHandler {
    @Override
    public void onEvent(long now, long arg) {
      kernel.schedule(now + delay(), this, arg);
    }
  }

  @Setup
  public void setUp() {
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < DELAYS; i++) {
      delays[i] = 1 + (long) (-Math.log(1 - r.nextDouble()) * 1000);
    }
    kernel = wheelBits == 0 ? new EventKernel() : new EventKernel(wheelBits);
    hold = new Hold();
    queue = new PriorityQueue<>();
    for (int i = 0; i < pending; i++) {
      kernel.schedule(delay(), hold, i);
      queue.add(new Ev(delay(), queueSeq++, i));
    }
  }

  private long delay() {
    long d = delays[nextDelay];
    nextDelay = (nextDelay + 1) & (DELAYS - 1);
    return d;
  }

  @Benchmark
  public long eventKernel() {
    kernel.step();
    return kernel.now();
  }

  @Benchmark
  public long priorityQueue() {
    Ev e = queue.poll();
    queueNow = e.time();
    queue.add(new Ev(queueNow + delay(), queueSeq++, e.arg()));
    return queueNow;
  }
}
