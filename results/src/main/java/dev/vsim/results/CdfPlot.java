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
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Cumulative distributions, one curve per series: x is the value (log scale), y the fraction of
 * samples at or below it. Each curve is given as (value, fraction) points, e.g. percentiles.
 */
public final class CdfPlot implements Plot {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 540;

  private final String name;
  private final String title;
  private final String xAxis;
  private final Map<String, double[][]> curves = new LinkedHashMap<>();

  public CdfPlot(String name, String title, String xAxis) {
    this.name = name;
    this.title = title;
    this.xAxis = xAxis;
  }

  /** Adds a curve through (values[i], fractions[i]); values must be positive and ascending. */
  public CdfPlot curve(String label, List<Double> values, List<Double> fractions) {
    if (values.size() != fractions.size() || values.isEmpty()) {
      throw new IllegalArgumentException("curve " + label + " needs as many values as fractions");
    }
    double[][] xy = new double[2][values.size()];
    for (int i = 0; i < values.size(); i++) {
      xy[0][i] = Math.max(values.get(i), 1e-3);
      xy[1][i] = fractions.get(i);
    }
    curves.put(label, xy);
    return this;
  }

  public List<String> labels() {
    return new ArrayList<>(curves.keySet());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void write(Path dir) throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xAxis)
            .yAxisTitle("fraction of samples at or below")
            .build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(1.0);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    chart.getStyler().setAntiAlias(true);
    for (Map.Entry<String, double[][]> e : curves.entrySet()) {
      XYSeries s = chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
      s.setMarker(SeriesMarkers.NONE);
    }
    Plot.save(chart, dir, name);
  }
}
