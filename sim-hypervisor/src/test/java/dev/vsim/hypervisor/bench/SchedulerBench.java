package dev.vsim.hypervisor.bench;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.Topology;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.hypervisor.sched.FairScheduler;
import dev.vsim.hypervisor.sched.HostTask;
import dev.vsim.hypervisor.sched.SchedulerParams;
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
 * Seed 001's overcommit on its host: 192 vCPU threads (three 64-vCPU VMs) on the 64 threads of a
 * 2-socket, 16-core, 2-way SMT Xeon at 2.6 GHz, with the Linux defaults for 64 CPUs. One benchmark
 * operation is one scheduling decision (a pick of the next task, or a renewed slice): the event
 * kernel steps until the scheduler has made one, so slice timers, context-switch completions and
 * balancing ticks are all in the cost.
 *
 * <p>{@code alwaysRunnable}: every thread computes forever, so pCPUs share time by slice expiry.
 * {@code halting}: threads run bursts and halt (block) for idle periods, both random around 100 us,
 * so decisions also come from wake-ups, wake-up preemption, idle-pCPU selection and idle pulls.
 *
 * <p>Run: {@code ./bench sim-hypervisor SchedulerBench}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SchedulerBench {
  private static final long HZ = 2_600_000_000L;
  private static final int TASKS = 192;

  @Param({"alwaysRunnable", "halting"})
  String load;

  private EventKernel kernel;
  private FairScheduler scheduler;

  /** A vCPU thread that either never blocks or alternates bursts and halts. */
  private final class Vcpu implements HostTask, EventHandler {
    private final int id;
    private final SplittableRandom random;
    private long remaining;
    private long since;
    private long blockEvent = -1;

    Vcpu(int id, SplittableRandom random) {
      this.id = id;
      this.random = random;
      this.remaining = random == null ? Long.MAX_VALUE : draw();
    }

    private long draw() {
      return 1 + random.nextLong(2 * HZ / 10_000); // mean 100 us
    }

    @Override
    public void run(int pcpu, long now) {
      since = now;
      if (random != null) {
        blockEvent = kernel.schedule(now + remaining, this, 0);
      }
    }

    @Override
    public void preempt(long now) {
      if (random != null) {
        remaining -= now - since;
        kernel.cancel(blockEvent);
      }
    }

    @Override
    public void onEvent(long now, long arg) {
      if (arg == 0) {
        remaining = draw();
        scheduler.block(id);
        kernel.schedule(now + draw(), this, 1);
      } else {
        scheduler.wake(id);
      }
    }
  }

  @Setup
  public void setUp() {
    kernel = new EventKernel();
    Topology host = new Topology(2, 16, 2);
    scheduler =
        new FairScheduler(
            kernel,
            host,
            SchedulerParams.linuxDefaults(HZ, host.hardwareThreads()),
            new StatGroup("sched"));
    SplittableRandom r = new SplittableRandom(1);
    StatGroup tasks = new StatGroup("");
    for (int i = 0; i < TASKS; i++) {
      SplittableRandom tr = load.equals("halting") ? r.split() : null;
      scheduler.add(new Vcpu(i, tr), FairScheduler.NICE_0_WEIGHT, tasks.group("vcpu" + i));
      scheduler.wake(i);
    }
  }

  @Benchmark
  public long decision() {
    long before = scheduler.decisions();
    while (scheduler.decisions() == before) {
      kernel.step();
    }
    return kernel.now();
  }
}
