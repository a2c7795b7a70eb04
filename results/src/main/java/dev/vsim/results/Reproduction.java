package dev.vsim.results;

import java.nio.file.Path;
import java.util.List;

/** What {@code vsim reproduce} found, talk by talk, ready for {@link ReproductionReport}. */
public final class Reproduction {
  private Reproduction() {}

  /**
   * A simulated value beside a talk's.
   *
   * @param quantity what is compared, in words
   * @param label a short name for plots
   * @param simulated the simulated value, NaN when the run did not produce it
   * @param low lower end of the talk's band, NaN for an ordering
   * @param high upper end of the talk's band, NaN for an ordering
   * @param compared the value an ordering compares with, NaN for a band
   * @param below for an ordering: whether the simulated value must be below {@code compared}
   * @param unit unit of the values
   * @param source where the talk's value comes from
   */
  public record Verdict(
      String quantity,
      String label,
      double simulated,
      double low,
      double high,
      double compared,
      boolean below,
      String unit,
      String source) {

    public static Verdict band(
        String quantity,
        String label,
        double simulated,
        double low,
        double high,
        String unit,
        String source) {
      return new Verdict(quantity, label, simulated, low, high, Double.NaN, false, unit, source);
    }

    public static Verdict order(
        String quantity,
        String label,
        double simulated,
        double compared,
        boolean below,
        String unit,
        String source) {
      return new Verdict(
          quantity, label, simulated, Double.NaN, Double.NaN, compared, below, unit, source);
    }

    public boolean isBand() {
      return !Double.isNaN(low);
    }

    public boolean missing() {
      return Double.isNaN(simulated) || (!isBand() && Double.isNaN(compared));
    }

    /** Whether the simulated value is in the talk's band, or ordered as the talk says. */
    public boolean holds() {
      if (missing()) {
        return false;
      }
      if (isBand()) {
        return simulated >= low && simulated <= high;
      }
      return below ? simulated < compared : simulated > compared;
    }

    /** The talk's side, for people: "2.75 – 3.25", "below 1,234". */
    public String talkSide() {
      if (isBand()) {
        return low == high
            ? Table.readable(low)
            : Table.readable(low) + " – " + Table.readable(high);
      }
      return (below ? "below " : "above ")
          + (Double.isNaN(compared) ? "missing" : Table.readable(compared));
    }

    /** "yes", "no", or "missing". */
    public String verdictWord() {
      return missing() ? "missing" : holds() ? "yes" : "no";
    }
  }

  /** A plot to show in the report: its caption and its SVG file. */
  public record PlotFile(String caption, Path svg) {}

  /**
   * One figure of a talk as reproduced.
   *
   * @param id the figure's id, unique in the report
   * @param title what the figure shows
   * @param talk what the talk published for it, in words
   * @param scenario the bundled scenario it comes from
   * @param verdicts the simulated values beside the talk's
   * @param plots the run's own plots (and bars drawn from its tables)
   * @param commands the commands that re-run it
   * @param runDirectory the run's results directory, relative to the report
   * @param missing what the figure should show and the run did not produce (a plot, a table)
   */
  public record FigureReport(
      String id,
      String title,
      String talk,
      String scenario,
      List<Verdict> verdicts,
      List<PlotFile> plots,
      List<String> commands,
      String runDirectory,
      List<String> missing) {
    public FigureReport {
      missing = missing == null ? List.of() : List.copyOf(missing);
    }
  }

  /** A talk: its figures, and the ones no bundled scenario reproduces yet. */
  public record TalkReport(
      String id,
      String slug,
      String title,
      String source,
      List<FigureReport> figures,
      List<String> notBundled) {}
}
