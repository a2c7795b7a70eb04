package dev.vsim.scenarios.model;

/**
 * A figure from the literature that a run's summary shows beside a simulated metric. It is never an
 * input of the model: it only annotates the report.
 *
 * @param quantity what is measured, in words
 * @param metric the simulated metric to compare (a name in result.json's metrics)
 * @param low lower end of the published range
 * @param high upper end of the published range (equal to low for a single value)
 * @param unit unit of both
 * @param source where the figure was published
 */
public record PublishedFigure(
    String quantity, String metric, Double low, Double high, String unit, String source) {
  public PublishedFigure {
    if (quantity == null || metric == null || low == null) {
      throw new IllegalArgumentException("a published figure needs quantity, metric and low");
    }
    high = high == null ? low : high;
    if (high < low) {
      throw new IllegalArgumentException("high (" + high + ") is below low (" + low + ")");
    }
    unit = unit == null ? "" : unit;
    source = source == null ? "" : source;
  }

  /** Whether a simulated value falls within [low, high]. */
  public boolean contains(double value) {
    return value >= low && value <= high;
  }
}
