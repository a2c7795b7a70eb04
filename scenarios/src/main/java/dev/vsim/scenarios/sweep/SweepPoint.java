package dev.vsim.scenarios.sweep;

import java.io.Serializable;
import java.util.List;

/**
 * One point of a sweep: the scenario with each axis set to one of its values, resolved.
 *
 * @param index the point's place in the sweep's expansion (0, 1, ...), the CSV's row order
 * @param axisValues the value of each axis at this point, as written in the CSV, in axis order
 * @param key the point's content hash: SHA-256, in hex, of the vsim version, the resolved scenario
 *     text and the resolved hardware profile; the name of its cache directory
 * @param resolvedScenarioJson the scenario as one configuration with every default filled in (no
 *     variants), loadable as it is: all a worker needs to run the point, with no file access
 */
public record SweepPoint(
    int index, List<String> axisValues, String key, String resolvedScenarioJson)
    implements Serializable {
  public SweepPoint {
    axisValues = List.copyOf(axisValues);
  }

  /** Runs this point in this process and returns its result.json bytes. */
  public byte[] runHere() {
    return PointRunner.run(this);
  }
}
