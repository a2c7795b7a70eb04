package dev.vsim.scenarios.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vsim.results.LinePlot;
import dev.vsim.results.ResultWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs a sweep into a directory: the points not yet in its cache ({@code points/<key>/}, each
 * written atomically, so a sweep killed at any moment leaves only finished points), then the tidy
 * {@code sweep.csv}, a plot per metric and {@code summary.md}, which depend only on the points'
 * results: not on how many ran at once, where, or in what order.
 */
public final class Sweep {
  public static final String POINTS = "points";
  public static final String CSV = "sweep.csv";
  public static final String SUMMARY = "summary.md";
  public static final String PLOTS = "plots";

  /** What a sweep did: how many points, how many came from the cache, how many were simulated. */
  public record Outcome(int points, int cached, int computed) {}

  private static final Pattern PARTIAL = Pattern.compile("\\.(.+)\\.partial-\\d+");
  private static final ObjectMapper JSON = new ObjectMapper();

  private Sweep() {}

  /** Runs the sweep's missing points with {@code executor}, then writes its outputs. */
  public static Outcome run(SweepFile sweep, Path dir, PointExecutor executor) throws Exception {
    Path points = Files.createDirectories(dir.resolve(POINTS));
    removeKilledPartials(points);
    List<SweepPoint> missing = new ArrayList<>();
    for (SweepPoint p : sweep.points()) {
      if (!finished(points, p)) {
        missing.add(p);
      }
    }
    int cached = sweep.points().size() - missing.size();
    AtomicInteger computed = new AtomicInteger();
    ResultWriter writer = new ResultWriter();
    executor.runAll(
        missing,
        (p, result) -> {
          try {
            store(writer, points, p, result);
            computed.incrementAndGet();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    for (SweepPoint p : sweep.points()) {
      if (!finished(points, p)) {
        throw new IllegalStateException(
            "the executor returned without point " + p.index() + " " + p.axisValues());
      }
    }
    writeOutputs(sweep, dir);
    return new Outcome(sweep.points().size(), cached, computed.get());
  }

  /** Whether the point's result is in the cache (its directory only ever appears complete). */
  static boolean finished(Path points, SweepPoint p) {
    return Files.isRegularFile(points.resolve(p.key()).resolve(ResultWriter.RESULT_JSON));
  }

  private static void store(ResultWriter writer, Path points, SweepPoint p, byte[] result)
      throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(
        ResultWriter.RESOLVED_SCENARIO, p.resolvedScenarioJson().getBytes(StandardCharsets.UTF_8));
    ObjectNode info = JSON.createObjectNode();
    info.put("key", p.key());
    ArrayNode values = info.putArray("axisValues");
    p.axisValues().forEach(values::add);
    files.put(
        "point.json",
        (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(info) + "\n")
            .getBytes(StandardCharsets.UTF_8));
    files.put(ResultWriter.RESULT_JSON, result);
    try {
      writer.writeFiles(points.resolve(p.key()), files);
    } catch (FileAlreadyExistsException twice) {
      // Run twice (an executor that retried it): the same scenario and version give the same
      // result, and the copy there is complete.
    }
  }

  /** Removes what points being written when a sweep was killed left behind. */
  private static void removeKilledPartials(Path points) throws IOException {
    List<Path> targets = new ArrayList<>();
    try (Stream<Path> s = Files.list(points)) {
      s.forEach(
          p -> {
            var m = PARTIAL.matcher(p.getFileName().toString());
            if (m.matches()) {
              targets.add(points.resolve(m.group(1)));
            }
          });
    }
    for (Path t : targets) {
      for (Path removed : ResultWriter.removeStalePartials(t)) {
        System.err.println(
            "vsim sweep: removed a point left half-written by a killed run: "
                + removed.getFileName());
      }
    }
  }

  // ---- outputs ---------------------------------------------------------------------------

  /** One point's collected values: per metric column, the value (NaN when absent). */
  private record Row(SweepPoint point, Map<String, Double> values, Map<String, String> units) {}

  static void writeOutputs(SweepFile sweep, Path dir) throws IOException {
    List<Row> rows = new ArrayList<>();
    for (SweepPoint p : sweep.points()) {
      rows.add(
          collect(
              sweep, p, dir.resolve(POINTS).resolve(p.key()).resolve(ResultWriter.RESULT_JSON)));
    }
    List<String> columns = metricColumns(sweep);
    writeAtomically(dir.resolve(CSV), csv(sweep, rows, columns));
    Path plots = Files.createDirectories(dir.resolve(PLOTS));
    List<String> plotNames = new ArrayList<>();
    for (SweepFile.Metric m : sweep.metrics()) {
      LinePlot plot = plot(sweep, m, rows);
      plot.write(plots);
      plotNames.add(plot.name());
    }
    writeAtomically(dir.resolve(SUMMARY), summary(sweep, rows, plotNames));
  }

  private static List<String> metricColumns(SweepFile sweep) {
    List<String> c = new ArrayList<>();
    for (SweepFile.Metric m : sweep.metrics()) {
      c.add(m.name());
      if (m.isPattern()) {
        c.add(m.name() + "_min");
        c.add(m.name() + "_max");
      }
    }
    return c;
  }

  private static Row collect(SweepFile sweep, SweepPoint p, Path resultJson) throws IOException {
    JsonNode r = JSON.readTree(resultJson.toFile());
    TreeMap<String, Double> all = new TreeMap<>();
    TreeMap<String, String> units = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = r.path("metrics").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      all.put(e.getKey(), e.getValue().asDouble());
      units.put(e.getKey(), r.path("units").path(e.getKey()).asText("unknown"));
    }
    // A distribution's summary is a metric too: NAME.p99, NAME.mean, NAME.count...
    it = r.path("distributions").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String unit = e.getValue().path("unit").asText("unknown");
      Iterator<Map.Entry<String, JsonNode>> f = e.getValue().fields();
      while (f.hasNext()) {
        Map.Entry<String, JsonNode> s = f.next();
        if (s.getValue().isNumber()) {
          String n = e.getKey() + "." + s.getKey();
          all.putIfAbsent(n, s.getValue().asDouble());
          units.putIfAbsent(n, s.getKey().equals("count") ? "count" : unit);
        }
      }
    }
    Map<String, Double> values = new LinkedHashMap<>();
    Map<String, String> unitOf = new LinkedHashMap<>();
    for (SweepFile.Metric m : sweep.metrics()) {
      if (!m.isPattern()) {
        values.put(m.name(), all.getOrDefault(m.metric(), Double.NaN));
        unitOf.put(m.name(), units.get(m.metric()));
        continue;
      }
      Pattern re = m.regex();
      List<Double> matched = new ArrayList<>();
      String unit = null;
      for (Map.Entry<String, Double> e : all.entrySet()) {
        if (re.matcher(e.getKey()).matches()) {
          matched.add(e.getValue());
          unit = unit == null ? units.get(e.getKey()) : unit;
        }
      }
      double[] v = matched.stream().mapToDouble(Double::doubleValue).toArray();
      values.put(m.name(), v.length == 0 ? Double.NaN : m.aggregate().of(v));
      values.put(m.name() + "_min", v.length == 0 ? Double.NaN : SweepFile.Aggregate.MIN.of(v));
      values.put(m.name() + "_max", v.length == 0 ? Double.NaN : SweepFile.Aggregate.MAX.of(v));
      unitOf.put(m.name(), unit);
    }
    return new Row(p, values, unitOf);
  }

  /** A number as the CSV writes it: integers whole, others to 6 significant digits, plain. */
  static String format(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
  }

  private static String csv(SweepFile sweep, List<Row> rows, List<String> columns) {
    StringBuilder sb = new StringBuilder();
    List<String> header = new ArrayList<>();
    sweep.axes().forEach(a -> header.add(a.name()));
    header.addAll(columns);
    sb.append(String.join(",", header)).append('\n');
    for (Row r : rows) {
      List<String> cells = new ArrayList<>();
      r.point().axisValues().forEach(v -> cells.add(csvCell(v)));
      for (String c : columns) {
        cells.add(format(r.values().get(c)));
      }
      sb.append(String.join(",", cells)).append('\n');
    }
    return sb.toString();
  }

  private static String csvCell(String v) {
    return v.matches("[^,\"\\n\\r]*") ? v : "\"" + v.replace("\"", "\"\"") + "\"";
  }

  private static LinePlot plot(SweepFile sweep, SweepFile.Metric m, List<Row> rows) {
    SweepFile.Axis x = sweep.axes().get(0);
    String unit = null;
    for (Row r : rows) {
      if (r.units().get(m.name()) != null) {
        unit = r.units().get(m.name());
        break;
      }
    }
    // One line per combination of the other axes' values, in order of first appearance.
    Map<String, List<Row>> lines = new LinkedHashMap<>();
    for (Row r : rows) {
      List<String> rest = r.point().axisValues().subList(1, r.point().axisValues().size());
      StringBuilder label = new StringBuilder();
      for (int a = 1; a < sweep.axes().size(); a++) {
        if (label.length() > 0) {
          label.append(", ");
        }
        label.append(sweep.axes().get(a).name()).append(" = ").append(rest.get(a - 1));
      }
      lines
          .computeIfAbsent(
              label.length() == 0 ? m.title() : label.toString(), k -> new ArrayList<>())
          .add(r);
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Row r : rows) {
      double v = r.values().get(m.name());
      if (!Double.isNaN(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    boolean logY = min > 0 && max / min >= 100;
    boolean numeric = x.numeric();
    // A log axis whose values are a geometric series (a factor range) is drawn by index, each
    // value a tick labelled with it; any other log axis on log10 of its values.
    boolean byIndex = !numeric || x.log() && geometric(x);
    LinePlot plot =
        new LinePlot(
            m.name(),
            m.title() + " against " + x.title(),
            x.title(),
            unit == null
                    || unit.equals("unknown")
                    || unit.equals("count") && m.title().contains("count")
                ? m.title()
                : m.title() + " (" + unit + ")",
            x.log() && !byIndex,
            logY,
            byIndex ? x.labels() : null);
    for (Map.Entry<String, List<Row>> l : lines.entrySet()) {
      List<Row> rs = l.getValue();
      double[] xs = new double[rs.size()];
      double[] ys = new double[rs.size()];
      double[] lo = m.isPattern() ? new double[rs.size()] : null;
      double[] hi = m.isPattern() ? new double[rs.size()] : null;
      for (int i = 0; i < rs.size(); i++) {
        Row r = rs.get(i);
        int xi = x.labels().indexOf(r.point().axisValues().get(0));
        xs[i] = byIndex ? xi : x.values().get(xi).asDouble();
        ys[i] = r.values().get(m.name());
        if (lo != null) {
          lo[i] = r.values().get(m.name() + "_min");
          hi[i] = r.values().get(m.name() + "_max");
        }
      }
      plot.series(l.getKey(), xs, ys, lo, hi);
    }
    return plot;
  }

  private static boolean geometric(SweepFile.Axis x) {
    List<com.fasterxml.jackson.databind.JsonNode> v = x.values();
    for (int i = 2; i < v.size(); i++) {
      double r0 = v.get(1).asDouble() / v.get(0).asDouble();
      double r = v.get(i).asDouble() / v.get(i - 1).asDouble();
      if (Math.abs(r - r0) > 1e-9 * r0) {
        return false;
      }
    }
    return true;
  }

  private static String summary(SweepFile sweep, List<Row> rows, List<String> plots) {
    StringBuilder sb = new StringBuilder();
    sb.append("# Sweep ").append(sweep.name()).append("\n\n");
    if (!sweep.description().isEmpty()) {
      sb.append(sweep.description()).append("\n\n");
    }
    sb.append("Scenario: `").append(Path.of(sweep.scenarioFile()).getFileName()).append("`; ");
    sb.append(rows.size())
        .append(" points (")
        .append(sweep.combine() == SweepFile.Combine.ZIP ? "zipped" : "cartesian product")
        .append(" of ")
        .append(sweep.axes().size())
        .append(" axes).\n\n");
    sb.append("| axis | sets | values |\n|---|---|---|\n");
    for (SweepFile.Axis a : sweep.axes()) {
      List<String> sets = new ArrayList<>(a.pointers());
      sets.addAll(a.alongside().keySet());
      sb.append("| ")
          .append(a.title())
          .append(" | `")
          .append(String.join("`, `", sets))
          .append("`")
          .append(a.multiply() ? " (times the scenario's value)" : "")
          .append(" | ")
          .append(String.join(", ", a.labels()))
          .append(" |\n");
    }
    sb.append("\n## What moves\n\n");
    sb.append("| metric | unit | lowest | at | highest | at | highest / lowest |\n");
    sb.append("|---|---|---|---|---|---|---|\n");
    for (SweepFile.Metric m : sweep.metrics()) {
      Row lo = null;
      Row hi = null;
      String unit = "";
      int missing = 0;
      for (Row r : rows) {
        double v = r.values().get(m.name());
        if (Double.isNaN(v)) {
          missing++;
          continue;
        }
        if (r.units().get(m.name()) != null) {
          unit = r.units().get(m.name());
        }
        if (lo == null || v < lo.values().get(m.name())) {
          lo = r;
        }
        if (hi == null || v > hi.values().get(m.name())) {
          hi = r;
        }
      }
      if (lo == null) {
        sb.append("| ")
            .append(m.title())
            .append(" | | no point has `")
            .append(m.metric())
            .append("` | | | | |\n");
        continue;
      }
      double l = lo.values().get(m.name());
      double h = hi.values().get(m.name());
      sb.append("| ")
          .append(m.title())
          .append(missing > 0 ? " (missing at " + missing + " points)" : "")
          .append(" | ")
          .append(unit)
          .append(" | ")
          .append(format(l))
          .append(" | ")
          .append(at(sweep, lo))
          .append(" | ")
          .append(format(h))
          .append(" | ")
          .append(at(sweep, hi))
          .append(" | ")
          .append(l > 0 ? String.format(Locale.ROOT, "%.2f", h / l) : "")
          .append(" |\n");
    }
    sb.append("\nEvery point is in `")
        .append(CSV)
        .append("` (a row per point: axes, then metrics;");
    sb.append(" `NAME_min`/`NAME_max` are the spread of a metric collected over a pattern).\n\n");
    sb.append("## Plots\n\n");
    for (String p : plots) {
      sb.append("![").append(p).append("](").append(PLOTS).append('/').append(p).append(".svg)\n");
    }
    sb.append("\nEach point's results are in `points/<key>/`, the key being the SHA-256 of its");
    sb.append(" resolved scenario and profile and of the vsim version.\n");
    return sb.toString();
  }

  private static String at(SweepFile sweep, Row r) {
    List<String> parts = new ArrayList<>();
    for (int a = 0; a < sweep.axes().size(); a++) {
      parts.add(sweep.axes().get(a).name() + "=" + r.point().axisValues().get(a));
    }
    return String.join(" ", parts);
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Path tmp =
        file.resolveSibling("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
