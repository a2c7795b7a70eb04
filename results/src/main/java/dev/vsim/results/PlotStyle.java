package dev.vsim.results;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

/**
 * The one look of every vsim plot: white background, the same fonts and palette, the legend outside
 * the data (right of it), log axes labelled by decades ({@code 10^4}), long category names wrapped
 * or rotated so they do not overlap.
 */
public final class PlotStyle {
  public static final int WIDTH = 960;
  public static final int HEIGHT = 560;

  /** A palette that stays distinct for colour-blind readers (Okabe and Ito), then greys. */
  private static final Color[] PALETTE = {
    new Color(0, 114, 178),
    new Color(213, 94, 0),
    new Color(0, 158, 115),
    new Color(204, 121, 167),
    new Color(230, 159, 0),
    new Color(86, 180, 233),
    new Color(240, 228, 66),
    new Color(0, 0, 0),
    new Color(120, 120, 120),
    new Color(180, 180, 180)
  };

  private PlotStyle() {}

  /** Applies the common look; the legend goes outside the plot area. */
  public static void apply(AxesChartStyler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderVisible(true);
    s.setPlotGridLinesColor(new Color(225, 225, 225));
    s.setAntiAlias(true);
    s.setLegendPosition(Styler.LegendPosition.OutsideE);
    s.setLegendBorderColor(Color.WHITE);
    s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    s.setSeriesColors(PALETTE);
    s.setChartTitleBoxVisible(false);
    s.setxAxisTickLabelsFormattingFunction(PlotStyle::number);
    s.setyAxisTickLabelsFormattingFunction(PlotStyle::number);
  }

  /**
   * Log axes are drawn on a linear axis of log10 values (XChart's own log axes label decades as
   * {@code 1E4} and do not take a label function): plot {@code Math.log10(v)} and label the ticks
   * with this, {@code 10^k} at a decade and the plain value (two significant digits) between.
   */
  public static String logTick(Double log10) {
    if (log10 == null || Double.isNaN(log10)) {
      return "";
    }
    long k = Math.round(log10);
    if (Math.abs(log10 - k) < 1e-9) {
      return k == 0 ? "1" : k == 1 ? "10" : "10^" + k;
    }
    double v = Math.pow(10, log10);
    double scale = Math.pow(10, Math.floor(Math.log10(v)) - 1);
    return number(Math.round(v / scale) * scale);
  }

  /** The colour of the {@code k}-th series. */
  public static Color color(int k) {
    return PALETTE[k % PALETTE.length];
  }

  /** The stroke of every line. */
  public static BasicStroke line() {
    return new BasicStroke(2.0f);
  }

  /** A linear axis's tick label: no exponent notation, at most 4 significant decimals. */
  public static String number(Double v) {
    if (v == null || Double.isNaN(v)) {
      return "";
    }
    double a = Math.abs(v);
    if (a != 0 && (a >= 1e7 || a < 1e-3)) {
      long k = (long) Math.floor(Math.log10(a));
      double m = v / Math.pow(10, k);
      return String.format(Locale.ROOT, "%.3g", m).replaceAll("\\.?0+$", "") + "x10^" + k;
    }
    if (a == Math.rint(a)) {
      return String.format(Locale.ROOT, "%,d", (long) v.doubleValue()).replace(',', '\u2009');
    }
    String s = String.format(Locale.ROOT, "%.4g", v);
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }

  /**
   * Wraps a long label at '-', '_', ' ' or '/' into lines of at most {@code width} characters, so
   * category names sit under their bars without running into the next.
   */
  public static String wrap(String label, int width) {
    if (label.length() <= width) {
      return label;
    }
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    StringBuilder word = new StringBuilder();
    for (int i = 0; i < label.length(); i++) {
      char c = label.charAt(i);
      word.append(c);
      if (c == '-' || c == '_' || c == ' ' || c == '/' || i == label.length() - 1) {
        if (line.length() + word.length() > width && line.length() > 0) {
          lines.add(line.toString().strip());
          line.setLength(0);
        }
        line.append(word);
        word.setLength(0);
      }
    }
    if (line.length() > 0) {
      lines.add(line.toString().strip());
    }
    return String.join("\n", lines);
  }
}
