package dev.vsim.cpu.bench;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.DramBandwidth;
import dev.vsim.cpu.stats.StatGroup;
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
 * The fault path's use of the shared memory bandwidth: {@code streams} issuers, half zeroing 4 KiB
 * pages at one rate and half storing 8 KiB of lines at another (seed 003's two classes), each
 * starting its next stream a short gap after the last one ends. One operation is one kernel event
 * (a completion, or an issuer's next start), so the score is events per second of the model alone.
 * {@code congested} gives the channels less bandwidth than the issuers ask for, so every start and
 * every completion re-divides it and moves the classes' completion events.
 *
 * <p>Run: {@code ./bench sim-cpu DramBandwidthBench}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DramBandwidthBench {
  private static final long HZ = 2_600_000_000L;
  private static final long ZERO_RATE = 10_000_000_000L;
  private static final long STORE_RATE = 6_000_000_000L;

  @Param({"4", "32", "128"})
  int streams;

  @Param({"false", "true"})
  boolean congested;

  private EventKernel kernel;
  private DramBandwidth bandwidth;
  private Issuer issuer;

  /** Arg 2i: stream i's next start is due; 2i + 1: its stream finished. */
  private final class Issuer implements EventHandler {
    @Override
    public void onEvent(long now, long arg) {
      int i = (int) (arg >>> 1);
      if ((arg & 1) == 0) {
        boolean zeroing = (i & 1) == 0;
        bandwidth.start(zeroing ? 4096 : 8192, zeroing ? ZERO_RATE : STORE_RATE, this, arg | 1);
      } else {
        kernel.schedule(now + 500 + 37 * (i & 7), this, arg & ~1L);
      }
    }
  }

  @Setup
  public void setUp() {
    kernel = new EventKernel();
    long demand = (streams / 2) * (ZERO_RATE + STORE_RATE);
    long channels = congested ? demand / 3 : demand * 2;
    bandwidth = new DramBandwidth(kernel, channels, HZ, new StatGroup("dram"));
    issuer = new Issuer();
    for (int i = 0; i < streams; i++) {
      kernel.schedule(1 + 13L * i, issuer, 2L * i);
    }
  }

  @Benchmark
  public boolean event() {
    return kernel.step();
  }
}
