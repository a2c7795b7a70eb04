package dev.vsim.scenarios.reproduce;

import dev.vsim.results.Metrics;
import dev.vsim.results.RunResult;
import dev.vsim.results.Table;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values a check names, read from a finished run: {@code TABLE[CONFIGURATION].COLUMN} (the row
 * of a run's table whose first column is the configuration; {@code CONFIGURATION/VM} also matches
 * the second column), {@code metrics[CONFIGURATION].NAME} (a metric of result.json), a number, or
 * {@code A / B}. A value the run does not have is NaN.
 */
final class CheckValues {
  private static final Pattern REF = Pattern.compile("([A-Za-z0-9_.-]+)\\[([^\\]]+)\\]\\.(.+)");

  private final RunResult run;

  CheckValues(RunResult run) {
    this.run = run;
  }

  /** The value of an expression, NaN when the run lacks a part of it. */
  double value(String expression) {
    String[] parts = expression.split(" / ");
    if (parts.length > 2) {
      throw new IllegalArgumentException("at most one ' / ' in a check value: " + expression);
    }
    double v = term(parts[0].strip());
    return parts.length == 1 ? v : v / term(parts[1].strip());
  }

  /** The configuration an expression reads first, for people: "base", "3vm-pv". */
  static String configuration(String expression) {
    Matcher m = REF.matcher(expression.split(" / ")[0].strip());
    return m.matches() ? m.group(2) : "";
  }

  private double term(String t) {
    try {
      return Double.parseDouble(t);
    } catch (NumberFormatException notANumber) {
      // a reference
    }
    Matcher m = REF.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "a check value is TABLE[CONFIGURATION].COLUMN, metrics[CONFIGURATION].NAME or a"
              + " number: "
              + t);
    }
    String table = m.group(1);
    String row = m.group(2);
    String column = m.group(3);
    if (table.equals("metrics")) {
      Metrics metrics = run.configurations().get(row);
      Number n = metrics == null ? null : metrics.get(column);
      return n == null ? Double.NaN : n.doubleValue();
    }
    for (Table tab : run.tables()) {
      if (!tab.name().equals(table)) {
        continue;
      }
      int col = tab.columns().indexOf(column);
      if (col < 0) {
        return Double.NaN;
      }
      String[] key = row.split("/", 2);
      for (List<Object> r : tab.rows()) {
        if (!key[0].equals(r.get(0))) {
          continue;
        }
        if (key.length == 2 && (r.size() < 2 || !key[1].equals(r.get(1)))) {
          continue;
        }
        return r.get(col) instanceof Number n ? n.doubleValue() : Double.NaN;
      }
    }
    return Double.NaN;
  }
}
