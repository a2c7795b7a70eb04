package dev.vsim.results;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A metric against a numeric parameter, one line per series (e.g. per value of a sweep's second
 * axis), with error bars where the metric has a spread (e.g. the slowest and fastest vCPU).
 */
public final class LinePlot implements Plot {
  private final String name;
  private final String title;
  private final String xAxis;
  private final String yAxis;
  private final boolean logX;
  private final boolean logY;
  private final List<String> categories;
  private final Map<String, double[][]> series = new LinkedHashMap<>();

  /**
   * @param categories if not null, x is the index of a category and is labelled with its name
   */
  public LinePlot(
      String name,
      String title,
      String xAxis,
      String yAxis,
      boolean logX,
      boolean logY,
      List<String> categories) {
    this.name = name;
    this.title = title;
    this.xAxis = xAxis;
    this.yAxis = yAxis;
    this.logX = logX;
    this.logY = logY;
    this.categories = categories == null ? null : List.copyOf(categories);
  }

  /**
   * Adds a line; points whose y is NaN are left out.
   *
   * @param low the bottom of each point's error bar, or null for none
   * @param high the top of each point's error bar, or null for none
   */
  public LinePlot series(String label, double[] x, double[] y, double[] low, double[] high) {
    List<double[]> kept = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      double lo = low == null ? y[i] : low[i];
      double hi = high == null ? y[i] : high[i];
      if (Double.isNaN(y[i]) || logY && !(lo > 0) || logX && categories == null && !(x[i] > 0)) {
        continue; // nothing to draw (a log axis has no place for zero)
      }
      kept.add(
          new double[] {
            logX && categories == null ? Math.log10(x[i]) : x[i],
            logY ? Math.log10(y[i]) : y[i],
            logY ? Math.log10(lo) : lo,
            logY ? Math.log10(hi) : hi
          });
    }
    double[][] d = new double[4][kept.size()];
    for (int i = 0; i < kept.size(); i++) {
      for (int k = 0; k < 4; k++) {
        d[k][i] = kept.get(i)[k];
      }
    }
    series.put(label, d);
    return this;
  }

  public List<String> labels() {
    return new ArrayList<>(series.keySet());
  }

  /**
   * An invisible label for a tick between categories. XChart gives up placing ticks when the labels
   * of the axis's two ends are equal, so each blank is a different run of zero-width spaces.
   */
  static String blank(double v) {
    return "\u200B".repeat(1 + (int) (Math.round(Math.abs(v) * 4) % 64));
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
            .xAxisTitle(xAxis)
            .yAxisTitle(yAxis)
            .build();
    PlotStyle.apply(chart.getStyler());
    if (logX && categories == null) {
      chart.getStyler().setxAxisTickLabelsFormattingFunction(PlotStyle::logTick);
    }
    if (logY) {
      chart.getStyler().setyAxisTickLabelsFormattingFunction(PlotStyle::logTick);
    }
    if (categories != null) {
      chart
          .getStyler()
          .setxAxisTickLabelsFormattingFunction(
              v -> {
                int i = (int) Math.round(v);
                return Math.abs(v - i) < 1e-9 && i >= 0 && i < categories.size()
                    ? categories.get(i)
                    : blank(v);
              });
      chart.getStyler().setXAxisMin(-0.25);
      chart.getStyler().setXAxisMax(categories.size() - 0.75);
    }
    boolean anyBars = false;
    for (double[][] d : series.values()) {
      for (int i = 0; i < d[0].length; i++) {
        anyBars |= d[2][i] != d[1][i] || d[3][i] != d[1][i];
      }
    }
    chart.getStyler().setErrorBarsColorSeriesColor(true);
    int k = 0;
    for (Map.Entry<String, double[][]> e : series.entrySet()) {
      double[][] d = e.getValue();
      java.awt.Color color = PlotStyle.color(k++);
      if (d[0].length == 0) {
        continue;
      }
      if (anyBars) {
        // XChart draws symmetric bars: the spread is drawn about its midpoint on a series with no
        // line, and the metric itself is the line.
        double[] mid = new double[d[0].length];
        double[] half = new double[d[0].length];
        for (int i = 0; i < mid.length; i++) {
          mid[i] = (d[2][i] + d[3][i]) / 2;
          half[i] = (d[3][i] - d[2][i]) / 2;
        }
        XYSeries bars = chart.addSeries(e.getKey() + " (range)", d[0], mid, half);
        bars.setMarker(SeriesMarkers.NONE);
        bars.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.NONE);
        bars.setLineColor(color);
        bars.setShowInLegend(false);
      }
      XYSeries s = chart.addSeries(e.getKey(), d[0], d[1]);
      s.setMarker(SeriesMarkers.CIRCLE);
      s.setLineStyle(PlotStyle.line());
      s.setLineColor(color);
      s.setMarkerColor(color);
    }
    Plot.save(chart, dir, name);
  }
}
