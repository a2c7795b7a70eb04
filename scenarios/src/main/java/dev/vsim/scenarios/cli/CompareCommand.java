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

  @Override
  public Integer call() {
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
    System.out.print(table(configs, base).toMarkdown());
    return VsimCommand.OK;
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
