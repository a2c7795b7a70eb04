package dev.vsim.results;

/**
 * A simulated metric beside the figure a talk or paper published for it.
 *
 * @param quantity what is measured
 * @param configuration the configuration the simulated value comes from
 * @param metric the simulated metric's name
 * @param simulated the simulated value, or NaN when the run did not produce the metric
 * @param low lower end of the published range
 * @param high upper end of the published range
 * @param unit unit of the values
 * @param source where the figure was published
 */
public record PublishedComparison(
    String quantity,
    String configuration,
    String metric,
    double simulated,
    double low,
    double high,
    String unit,
    String source) {

  /** Whether the simulated value lies in the published range. */
  public boolean withinRange() {
    return simulated >= low && simulated <= high;
  }

  /** Simulated value over the middle of the published range. */
  public double ratioToMiddle() {
    return simulated / ((low + high) / 2);
  }
}
