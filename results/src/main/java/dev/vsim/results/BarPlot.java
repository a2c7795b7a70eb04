package dev.vsim.results;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Grouped bars: one group per category, one bar per series (e.g. per configuration). A plot of one
 * series may carry a spread per bar (e.g. fastest to slowest vCPU), drawn as an error bar.
 */
public final class BarPlot implements Plot {
  /** Category labels longer than this (characters per category) are turned to read. */
  private static final int PIXELS_PER_CHARACTER = 7;

  private final String name;
  private final String title;
  private final String yAxis;
  private final List<String> categories;
  private final Map<String, List<Double>> series = new LinkedHashMap<>();
  private String rangeLabel;
  private List<Double> low;
  private List<Double> high;

  /**
   * @param yAxis the value axis's title, with its unit
   */
  public BarPlot(String name, String title, String yAxis, List<String> categories) {
    this.name = name;
    this.title = title;
    this.yAxis = yAxis;
    this.categories = List.copyOf(categories);
  }

  /** Adds a series with one value per category. */
  public BarPlot series(String label, List<Double> values) {
    if (values.size() != categories.size()) {
      throw new IllegalArgumentException(
          "series " + label + " has " + values.size() + " values for " + categories.size());
    }
    series.put(label, new ArrayList<>(values));
    return this;
  }

  /** The spread of the (one) series' bars, from {@code low} to {@code high} per category. */
  public BarPlot range(String label, List<Double> low, List<Double> high) {
    if (low.size() != categories.size() || high.size() != categories.size()) {
      throw new IllegalArgumentException("range " + label + " needs a value per category");
    }
    this.rangeLabel = label;
    this.low = List.copyOf(low);
    this.high = List.copyOf(high);
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  /** The rotation of the category labels: 0 when they fit side by side, else 30, 60 or 90. */
  int labelRotation() {
    int longest = categories.stream().mapToInt(String::length).max().orElse(0);
    double room = (PlotStyle.WIDTH - 320.0) / Math.max(1, categories.size());
    double need = longest * PIXELS_PER_CHARACTER;
    if (need <= room) {
      return 0;
    }
    return need * 0.5 <= room ? 30 : need * 0.2 <= room ? 60 : 90;
  }

  @Override
  public void write(Path dir) throws IOException {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(PlotStyle.WIDTH)
            .height(PlotStyle.HEIGHT)
            .title(title)
            .yAxisTitle(yAxis)
            .build();
    PlotStyle.apply(chart.getStyler());
    chart.getStyler().setxAxisTickLabelsFormattingFunction(null);
    chart.getStyler().setXAxisLabelRotation(labelRotation());
    int k = 0;
    for (Map.Entry<String, List<Double>> e : series.entrySet()) {
      CategorySeries s = chart.addSeries(e.getKey(), categories, e.getValue());
      s.setFillColor(PlotStyle.color(k++));
    }
    if (rangeLabel != null && series.size() == 1) {
      // XChart draws symmetric error bars: a marker-less series at the middle of each range, with
      // half the range as its error, overlapped on the bars.
      List<Double> mid = new ArrayList<>();
      List<Double> half = new ArrayList<>();
      for (int i = 0; i < categories.size(); i++) {
        mid.add((low.get(i) + high.get(i)) / 2);
        half.add((high.get(i) - low.get(i)) / 2);
      }
      chart.getStyler().setOverlapped(true);
      chart.getStyler().setErrorBarsColor(java.awt.Color.BLACK);
      CategorySeries r = chart.addSeries(rangeLabel, categories, mid, half);
      r.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
      r.setMarker(SeriesMarkers.NONE);
      r.setMarkerColor(java.awt.Color.BLACK);
      r.setLineColor(java.awt.Color.BLACK);
    }
    Plot.save(chart, dir, name);
  }
}
