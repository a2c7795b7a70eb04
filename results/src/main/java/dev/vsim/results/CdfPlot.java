package dev.vsim.results;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Cumulative distributions, one curve per series: x is the value on a log axis labelled by decades,
 * y the fraction of samples at or below it. A curve is drawn from the whole recorded distribution
 * (every bucket of an HdrHistogram), not from a few percentiles.
 */
public final class CdfPlot implements Plot {
  /** Points closer than this in both log10(x) and fraction are merged: the SVG stays small. */
  private static final double RESOLUTION = 1.0 / 1000;

  private final String name;
  private final String title;
  private final String xAxis;
  private final String yAxis;
  private final Map<String, double[][]> curves = new LinkedHashMap<>();

  /**
   * @param xAxis the title of the value axis, with its unit, e.g. "latency (microseconds)"
   * @param yAxis the title of the fraction axis, e.g. "fraction of shootdowns at or below"
   */
  public CdfPlot(String name, String title, String xAxis, String yAxis) {
    this.name = name;
    this.title = title;
    this.xAxis = xAxis;
    this.yAxis = yAxis;
  }

  public CdfPlot(String name, String title, String xAxis) {
    this(name, title, xAxis, "fraction of samples at or below");
  }

  /**
   * Adds the curve of a recorded distribution: at each recorded value (times {@code scale}, e.g.
   * cycles to microseconds) the fraction of samples at or below it. An empty histogram adds none.
   */
  public CdfPlot curve(String label, Histogram h, double scale) {
    long total = h.getTotalCount();
    if (total == 0) {
      return this;
    }
    List<double[]> points = new ArrayList<>();
    double lastX = Double.NEGATIVE_INFINITY;
    double lastY = -1;
    double[] pending = null;
    for (HistogramIterationValue v : h.recordedValues()) {
      double x =
          Math.log10(Math.max(h.highestEquivalentValue(v.getValueIteratedTo()) * scale, 1e-3));
      double y = (double) v.getTotalCountToThisValue() / total;
      if (points.isEmpty()) {
        points.add(new double[] {x, 0}); // the curve starts at zero at the smallest value
      }
      if (x - lastX >= RESOLUTION || y - lastY >= RESOLUTION) {
        points.add(new double[] {x, y});
        lastX = x;
        lastY = y;
        pending = null;
      } else {
        pending = new double[] {x, y}; // too close to the last point drawn; kept if it is the end
      }
    }
    if (pending != null) {
      points.add(pending);
    }
    double[][] xy = new double[2][points.size()];
    for (int i = 0; i < points.size(); i++) {
      xy[0][i] = points.get(i)[0];
      xy[1][i] = points.get(i)[1];
    }
    curves.put(label, xy);
    return this;
  }

  /** Adds a curve through (values[i], fractions[i]); values must be positive and ascending. */
  public CdfPlot curve(String label, List<Double> values, List<Double> fractions) {
    if (values.size() != fractions.size() || values.isEmpty()) {
      throw new IllegalArgumentException("curve " + label + " needs as many values as fractions");
    }
    double[][] xy = new double[2][values.size()];
    for (int i = 0; i < values.size(); i++) {
      xy[0][i] = Math.log10(Math.max(values.get(i), 1e-3));
      xy[1][i] = fractions.get(i);
    }
    curves.put(label, xy);
    return this;
  }

  public List<String> labels() {
    return new ArrayList<>(curves.keySet());
  }

  /** The points of a curve: log10 of each value, and the fraction at or below it. */
  double[][] points(String label) {
    return curves.get(label);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void write(Path dir) throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(PlotStyle.WIDTH)
            .height(PlotStyle.HEIGHT)
            .title(title)
            .xAxisTitle(xAxis + ", log scale")
            .yAxisTitle(yAxis)
            .build();
    PlotStyle.apply(chart.getStyler());
    chart.getStyler().setxAxisTickLabelsFormattingFunction(PlotStyle::logTick);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(1.0);
    int k = 0;
    for (Map.Entry<String, double[][]> e : curves.entrySet()) {
      XYSeries s = chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
      s.setMarker(SeriesMarkers.NONE);
      s.setLineStyle(PlotStyle.line());
      s.setLineColor(PlotStyle.color(k++));
    }
    if (curves.isEmpty()) {
      chart
          .addSeries("no samples", new double[] {0}, new double[] {0})
          .setMarker(SeriesMarkers.NONE);
    }
    Plot.save(chart, dir, name);
  }
}
