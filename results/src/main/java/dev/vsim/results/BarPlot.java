package dev.vsim.results;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** Grouped bars: one group per category, one bar per series (e.g. per configuration). */
public final class BarPlot implements Plot {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 540;

  private final String name;
  private final String title;
  private final String yAxis;
  private final List<String> categories;
  private final Map<String, List<Double>> series = new LinkedHashMap<>();

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

  @Override
  public String name() {
    return name;
  }

  @Override
  public void write(Path dir) throws IOException {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .yAxisTitle(yAxis)
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    chart.getStyler().setAntiAlias(true);
    for (Map.Entry<String, List<Double>> e : series.entrySet()) {
      chart.addSeries(e.getKey(), categories, e.getValue());
    }
    Plot.save(chart, dir, name);
  }
}
