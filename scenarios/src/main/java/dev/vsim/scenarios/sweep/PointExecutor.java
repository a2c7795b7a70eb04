package dev.vsim.scenarios.sweep;

import java.util.List;
import java.util.function.BiConsumer;

/** Runs sweep points somewhere and returns each point's result.json bytes. */
public interface PointExecutor extends AutoCloseable {
  /**
   * Runs every point whose result is not cached; calls {@code done.accept(point, resultJsonBytes)}
   * as each finishes (any thread, any order). The caller passes only the points it needs.
   */
  void runAll(List<SweepPoint> points, BiConsumer<SweepPoint, byte[]> done) throws Exception;

  @Override
  default void close() throws Exception {}
}
