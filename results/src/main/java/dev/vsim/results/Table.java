package dev.vsim.results;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A named table of results, written as CSV for tools and as Markdown for people. Cells are strings,
 * integers or doubles; column names carry their unit ({@code finish_s}).
 */
public final class Table {
  private final String name;
  private final List<String> columns;
  private final List<List<Object>> rows = new ArrayList<>();

  public Table(String name, List<String> columns) {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("bad table name: " + name);
    }
    this.name = name;
    this.columns = List.copyOf(columns);
  }

  public String name() {
    return name;
  }

  public List<String> columns() {
    return columns;
  }

  public List<List<Object>> rows() {
    return rows;
  }

  /** Appends a row; it must have one cell per column. */
  public Table row(Object... cells) {
    if (cells.length != columns.size()) {
      throw new IllegalArgumentException(
          "table " + name + " has " + columns.size() + " columns, row has " + cells.length);
    }
    for (Object c : cells) {
      if (!(c instanceof String
          || c instanceof Long
          || c instanceof Integer
          || c instanceof Double)) {
        throw new IllegalArgumentException("cell of type " + c.getClass() + " in table " + name);
      }
    }
    rows.add(List.of(cells));
    return this;
  }

  /** RFC 4180 CSV with '\n' line ends; doubles in their shortest exact form. */
  public String toCsv() {
    StringBuilder sb = new StringBuilder();
    appendCsvLine(sb, new ArrayList<>(columns));
    for (List<Object> r : rows) {
      appendCsvLine(sb, r);
    }
    return sb.toString();
  }

  private static void appendCsvLine(StringBuilder sb, List<?> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      String s = exact(cells.get(i));
      if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
        sb.append('"').append(s.replace("\"", "\"\"")).append('"');
      } else {
        sb.append(s);
      }
    }
    sb.append('\n');
  }

  /** A Markdown table; numbers rounded for reading. */
  public String toMarkdown() {
    StringBuilder sb = new StringBuilder("|");
    for (String c : columns) {
      sb.append(' ').append(c).append(" |");
    }
    sb.append("\n|");
    for (int i = 0; i < columns.size(); i++) {
      sb.append("---|");
    }
    sb.append('\n');
    for (List<Object> r : rows) {
      sb.append('|');
      for (Object c : r) {
        sb.append(' ').append(readable(c).replace("|", "\\|")).append(" |");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  static String exact(Object c) {
    if (c instanceof Double d) {
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf(d.longValue()) : d.toString();
    }
    return String.valueOf(c);
  }

  /** Four significant figures, thousands separated, for people. */
  public static String readable(Object c) {
    if (c instanceof Double d) {
      double a = Math.abs(d);
      if (a == 0) {
        return "0";
      }
      if (a >= 1000) {
        return String.format(Locale.ROOT, "%,.0f", d);
      }
      int decimals = Math.max(0, 3 - (int) Math.floor(Math.log10(a)));
      return String.format(Locale.ROOT, "%." + Math.min(decimals, 6) + "f", d);
    }
    if (c instanceof Long || c instanceof Integer) {
      return String.format(Locale.ROOT, "%,d", ((Number) c).longValue());
    }
    return String.valueOf(c);
  }
}
