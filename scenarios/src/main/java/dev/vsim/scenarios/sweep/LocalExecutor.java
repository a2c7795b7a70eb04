package dev.vsim.scenarios.sweep;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

/** Runs points in this process, up to {@code jobs} at once on threads of their own. */
public final class LocalExecutor implements PointExecutor {
  /** Told as each point starts (fraction 0), progresses and ends (fraction 1.0). */
  @FunctionalInterface
  public interface Listener {
    void progress(SweepPoint point, double fraction, double simulatedSeconds, long events);
  }

  private final int jobs;
  private final Listener listener;

  public LocalExecutor(int jobs, Listener listener) {
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
    }
    this.jobs = jobs;
    this.listener = listener;
  }

  @Override
  public void runAll(List<SweepPoint> points, BiConsumer<SweepPoint, byte[]> done)
      throws Exception {
    if (points.isEmpty()) {
      return;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(jobs, points.size()),
            r -> {
              Thread t = new Thread(r, "vsim-sweep-point");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (SweepPoint p : points) {
        futures.add(
            pool.submit(
                () -> {
                  listener.progress(p, 0.0, 0.0, 0);
                  double[] last = {0};
                  long[] events = {0};
                  byte[] r =
                      PointRunner.run(
                          p,
                          (f, seconds, n) -> {
                            last[0] = seconds;
                            events[0] = n;
                            listener.progress(p, Math.min(f, 0.999), seconds, n);
                          });
                  done.accept(p, r);
                  listener.progress(p, 1.0, last[0], events[0]);
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    } finally {
      pool.shutdownNow();
    }
  }
}
