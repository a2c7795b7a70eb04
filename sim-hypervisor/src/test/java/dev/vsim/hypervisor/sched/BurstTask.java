package dev.vsim.hypervisor.sched;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.stats.StatGroup;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.SplittableRandom;

/**
 * A test task: computes for a burst, then blocks and sleeps, then wakes, forever; a burst of {@code
 * Long.MAX_VALUE} makes it always runnable. It records when it ran and was preempted, and it can be
 * stopped at any cycle: the unfinished part of a burst waits for the next {@code run}.
 */
final class BurstTask implements HostTask, EventHandler {
  private static final long BLOCK = 0;
  private static final long WAKE = 1;

  private final EventKernel kernel;
  private FairScheduler scheduler;
  private int id;
  private final SplittableRandom random;
  private final long meanBurst;
  private final long meanSleep;
  private long remaining;
  private long runningSince = -1;
  private long blockEvent = -1;
  final LongArrayList runs = new LongArrayList();
  final LongArrayList preempts = new LongArrayList();

  /** Always runnable. */
  BurstTask(EventKernel kernel) {
    this(kernel, Long.MAX_VALUE, 0, null);
  }

  /** Bursts and sleeps of a fixed length (random ones around the means if {@code random}). */
  BurstTask(EventKernel kernel, long burst, long sleep, SplittableRandom random) {
    this.kernel = kernel;
    this.meanBurst = burst;
    this.meanSleep = sleep;
    this.random = random;
    this.remaining = draw(burst);
  }

  int register(FairScheduler s, int weight, StatGroup stats) {
    scheduler = s;
    id = s.add(this, weight, stats);
    return id;
  }

  private long draw(long mean) {
    if (random == null || mean == Long.MAX_VALUE) {
      return mean;
    }
    return 1 + random.nextLong(2 * mean);
  }

  @Override
  public void run(int pcpu, long now) {
    runs.add(now);
    runningSince = now;
    if (remaining != Long.MAX_VALUE) {
      blockEvent = kernel.schedule(now + remaining, this, BLOCK);
    }
  }

  @Override
  public void preempt(long now) {
    preempts.add(now);
    if (remaining != Long.MAX_VALUE) {
      remaining -= now - runningSince;
      kernel.cancel(blockEvent);
    }
    runningSince = -1;
  }

  @Override
  public void onEvent(long now, long arg) {
    if (arg == BLOCK) {
      runningSince = -1;
      remaining = draw(meanBurst);
      scheduler.block(id);
      kernel.schedule(now + draw(meanSleep), this, WAKE);
    } else {
      scheduler.wake(id);
    }
  }
}
