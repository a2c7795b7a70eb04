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
 * are drawn ahead of time so the queue is measured, not the random number generator: {@code
 * mix=near} is exponential with a mean of 1,000 cycles (the fault path's steps), {@code mix=mixed}
 * adds the overcommit runs' far events (80% near; 15% uniform over 16,384 to 65,536 cycles, like
 * the mmap_lock line waits of the 128-vCPU run; 5% log-uniform over 2^16 to 2^24, like PLE windows
 * and guest timers), {@code mix=far} is log-uniform over 2^14 to 2^26 (the coarse wheel and
 * beyond). {@code priorityQueue} is the java.util.PriorityQueue baseline. {@code eventKernelRearm}
 * also moves a timer per firing, as a vCPU does with its preemption timer or the host scheduler
 * with its slice timer: each firing cancels one of N timers (never fired, always mostly re-armed
 * before their time) and schedules it again as far ahead as a delay plus 2^13 cycles.
 *
 * <p>Run: {@code ./bench sim-cpu EventKernelBench}, or e.g. {@code -p mix=mixed}
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

  /** The mix of delays: near, mixed or far (see above). */
  @Param({"near", "mixed"})
  String mix;

  /** log2 of the wheel's span in cycles (the simulator's default unless given with -p). */
  @Param({"0"})
  int wheelBits;

  private static final int DELAYS = 1 << 16;
  private final long[] delays = new long[DELAYS];
  private int nextDelay;

  private EventKernel kernel;
  private Hold hold;

  private EventKernel rearmKernel;
  private long[] timers;
  private int nextTimer;
  private Rearm rearm;

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

  /** The hold model's handler that also moves one of the timers. */
  private final class Rearm implements EventHandler {
    @Override
    public void onEvent(long now, long arg) {
      if (arg < 0) {
        return; // a timer that fired before it was moved (rare: far delays fire seldom)
      }
      rearmKernel.schedule(now + delay(), this, arg);
      int t = nextTimer;
      nextTimer = (t + 1) % timers.length;
      rearmKernel.cancel(timers[t]);
      timers[t] = rearmKernel.schedule(now + (1 << 13) + delay(), this, -1);
    }
  }

  @Setup
  public void setUp() {
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < DELAYS; i++) {
      delays[i] =
          switch (mix) {
            case "near" -> exponential(r, 1000);
            case "mixed" -> {
              double u = r.nextDouble();
              yield u < 0.8
                  ? exponential(r, 1000)
                  : u < 0.95 ? 16_384 + r.nextLong(49_152) : logUniform(r, 16, 24);
            }
            case "far" -> logUniform(r, 14, 26);
            default -> throw new IllegalArgumentException("mix: near, mixed or far");
          };
    }
    kernel = wheelBits == 0 ? new EventKernel() : new EventKernel(wheelBits);
    hold = new Hold();
    queue = new PriorityQueue<>();
    for (int i = 0; i < pending; i++) {
      kernel.schedule(delay(), hold, i);
      queue.add(new Ev(delay(), queueSeq++, i));
    }
    rearmKernel = wheelBits == 0 ? new EventKernel() : new EventKernel(wheelBits);
    rearm = new Rearm();
    timers = new long[pending];
    for (int i = 0; i < pending; i++) {
      rearmKernel.schedule(delay(), rearm, i);
      timers[i] = rearmKernel.schedule((1 << 13) + delay(), rearm, -1);
    }
  }

  private static long exponential(SplittableRandom r, double mean) {
    return 1 + (long) (-Math.log(1 - r.nextDouble()) * mean);
  }

  private static long logUniform(SplittableRandom r, int fromBits, int toBits) {
    return (long) Math.pow(2, fromBits + r.nextDouble() * (toBits - fromBits));
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
  public long eventKernelRearm() {
    rearmKernel.step();
    return rearmKernel.now();
  }

  @Benchmark
  public long priorityQueue() {
    Ev e = queue.poll();
    queueNow = e.time();
    queue.add(new Ev(queueNow + delay(), queueSeq++, e.arg()));
    return queueNow;
  }
}
