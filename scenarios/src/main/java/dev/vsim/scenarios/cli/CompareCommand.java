package dev.vsim.scenarios.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vsim.results.ResultWriter;
import dev.vsim.results.RunResult;
import dev.vsim.results.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vsim compare}: one table of metrics across configurations, with each configuration's ratio
 * to a baseline. One directory compares its variants; several compare their base runs.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = "Compare metrics across the variants of a run, or across runs, with ratios.")
final class CompareCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "DIR", description = "results directories")
  List<Path> dirs;

  @Option(
      names = {"-m", "--metric"},
      paramLabel = "GLOB",
      description = "metrics to show, '*' matching any characters (default: all that differ)")
  List<String> metrics = new ArrayList<>();

  @Option(
      names = {"-b", "--baseline"},
      paramLabel = "NAME",
      description = "configuration the ratios are taken to (default: the first)")
  String baseline;

  @Option(
      names = "--rows",
      paramLabel = "KIND",
      description =
          "what the rows are: metrics, configurations, or auto (default: configurations when"
              + " there are more than "
              + FEW
              + ", so that many variants read on a screen)")
  String rows = "auto";

  /** Up to this many configurations are columns; more are rows. */
  static final int FEW = 3;

  /** Metric columns per table when configurations are rows. */
  static final int METRICS_PER_TABLE = 4;

  @Override
  public Integer call() {
    if (!List.of("auto", "metrics", "configurations").contains(rows)) {
      System.err.println(
          "vsim compare: --rows is metrics, configurations or auto, got \"" + rows + "\"");
      return VsimCommand.USAGE;
    }
    Map<String, Map<String, Double>> configs = new LinkedHashMap<>();
    ObjectMapper mapper = new ObjectMapper();
    try {
      for (Path d : dirs) {
        Path f = d.resolve(ResultWriter.RESULT_JSON);
        if (ResultWriter.isPartial(d)) {
          System.err.println(
              "vsim: "
                  + d
                  + " holds the partial results of an interrupted run; compare complete ones");
          return VsimCommand.USAGE;
        }
        if (!Files.isRegularFile(f) || !Files.isRegularFile(d.resolve(ResultWriter.SUMMARY_MD))) {
          System.err.println(
              "vsim: "
                  + d
                  + " is not a complete results directory (no result.json and summary.md)");
          return VsimCommand.USAGE;
        }
        JsonNode r = mapper.readTree(f.toFile());
        // Version 2 added units, descriptions and distributions beside the metrics of version 1.
        int version = r.path("schemaVersion").asInt();
        if (version < 1 || version > RunResult.SCHEMA_VERSION) {
          System.err.println(
              "vsim: "
                  + f
                  + " has schema version "
                  + r.path("schemaVersion")
                  + "; expected 1 to "
                  + RunResult.SCHEMA_VERSION);
          return VsimCommand.USAGE;
        }
        String prefix = dirs.size() > 1 ? d.getFileName() + ":" : "";
        configs.put(prefix + RunResult.BASE, values(r.path("metrics")));
        if (dirs.size() == 1) {
          Iterator<Map.Entry<String, JsonNode>> it = r.path("variants").fields();
          while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            configs.put(e.getKey(), values(e.getValue().path("metrics")));
          }
        }
      }
    } catch (IOException e) {
      System.err.println("vsim: cannot read results: " + e.getMessage());
      return VsimCommand.FAILURE;
    }
    List<String> names = new ArrayList<>(configs.keySet());
    String base = baseline == null ? names.get(0) : baseline;
    if (!configs.containsKey(base)) {
      System.err.println("vsim: no configuration " + base + "; have " + names);
      return VsimCommand.USAGE;
    }
    Table byMetric = table(configs, base);
    boolean configurationRows =
        rows.equals("configurations") || rows.equals("auto") && configs.size() > FEW;
    if (!configurationRows) {
      System.out.print(byMetric.toMarkdown());
    } else {
      List<Table> tables = transposed(byMetric, names, base);
      for (int i = 0; i < tables.size(); i++) {
        System.out.print((i > 0 ? "\n" : "") + tables.get(i).toMarkdown());
      }
    }
    return VsimCommand.OK;
  }

  /**
   * The same comparison with a row per configuration: a column per metric, each value followed by
   * its ratio to the baseline, at most {@link #METRICS_PER_TABLE} metrics a table.
   */
  static List<Table> transposed(Table byMetric, List<String> names, String base) {
    List<Table> out = new ArrayList<>();
    List<List<Object>> metricRows = byMetric.rows();
    for (int from = 0; from < metricRows.size(); from += METRICS_PER_TABLE) {
      List<List<Object>> group =
          metricRows.subList(from, Math.min(metricRows.size(), from + METRICS_PER_TABLE));
      List<String> cols = new ArrayList<>();
      cols.add("configuration");
      group.forEach(r -> cols.add((String) r.get(0)));
      Table t = new Table("compare", cols);
      for (String n : names) {
        List<Object> row = new ArrayList<>();
        row.add(n.equals(base) ? n + " (baseline)" : n);
        for (List<Object> r : group) {
          row.add(cell(r, byMetric.columns(), n, base));
        }
        t.row(row.toArray());
      }
      out.add(t);
    }
    if (out.isEmpty()) {
      out.add(new Table("compare", List.of("configuration")));
    }
    return out;
  }

  private static String cell(List<Object> metricRow, List<String> cols, String name, String base) {
    Object v = metricRow.get(cols.indexOf(name));
    String value = Table.readable(v);
    if (name.equals(base) || !(v instanceof Double)) {
      return value;
    }
    Object ratio = metricRow.get(cols.indexOf(name + "/" + base));
    return ratio instanceof Double r ? value + " (x" + Table.readable(r) + ")" : value;
  }

  Table table(Map<String, Map<String, Double>> configs, String base) {
    List<String> names = new ArrayList<>(configs.keySet());
    List<String> cols = new ArrayList<>();
    cols.add("metric");
    for (String n : names) {
      cols.add(n);
      if (!n.equals(base)) {
        cols.add(n + "/" + base);
      }
    }
    Table t = new Table("compare", cols);
    List<Pattern> patterns = metrics.stream().map(CompareCommand::glob).toList();
    TreeSet<String> all = new TreeSet<>();
    configs.values().forEach(m -> all.addAll(m.keySet()));
    for (String metric : all) {
      if (!patterns.isEmpty() && patterns.stream().noneMatch(p -> p.matcher(metric).matches())) {
        continue;
      }
      List<Double> vals = names.stream().map(n -> configs.get(n).get(metric)).toList();
      if (patterns.isEmpty() && vals.stream().distinct().count() == 1) {
        continue;
      }
      List<Object> row = new ArrayList<>();
      row.add(metric);
      Double b = configs.get(base).get(metric);
      for (int i = 0; i < names.size(); i++) {
        Double v = vals.get(i);
        row.add(v == null ? "-" : (Object) v);
        if (!names.get(i).equals(base)) {
          row.add(v == null || b == null || b == 0 ? "-" : (Object) (v / b));
        }
      }
      t.row(row.toArray());
    }
    return t;
  }

  private static Map<String, Double> values(JsonNode metrics) {
    Map<String, Double> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = metrics.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), e.getValue().asDouble());
    }
    return out;
  }

  static Pattern glob(String g) {
    return Pattern.compile(
        Arrays.stream(g.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*")));
  }
}
