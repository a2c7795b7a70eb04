package dev.vsim.scenarios.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vsim.scenarios.json.Origin;
import dev.vsim.scenarios.json.Pointers;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.json.SourceDocument;
import dev.vsim.scenarios.json.SourceMap;
import dev.vsim.scenarios.json.StrictJson;
import dev.vsim.scenarios.run.RunPlan;
import dev.vsim.scenarios.run.ScenarioLoader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A sweep file, loaded strictly: the scenario it points at, its axes and the metrics to collect,
 * and the points it expands to. Every mistake is a {@link ScenarioException} at its position in the
 * sweep file ({@code file:line:col: problem (at /json/pointer)}); a value that the scenario refuses
 * at a point is reported where the sweep wrote it.
 *
 * <pre>
 * {
 *   "name": "stlb-size",
 *   "scenario": "tlb-what-if",          // a path (relative to this file) or a bundled name
 *   "variant": "base",                  // optional: which configuration of the scenario
 *   "set": {"/vms/0/memory": "4GiB"},   // optional: fixed changes, as in a variant
 *   "combine": "cartesian",             // or "zip"
 *   "axes": [
 *     {"name": "stlb", "title": "STLB entries", "pointers": ["/host/overrides/tlb/stlb/entries"],
 *      "from": 256, "to": 8192, "factor": 2},
 *     {"name": "set", "pointer": "/vms/0/workload/workingSet", "values": ["32MiB", "2GiB"]}
 *   ],
 *   "metrics": [
 *     {"name": "cycles", "metric": "vm0.vcpu*.random.translation_cycles_per_access",
 *      "aggregate": "mean", "title": "translation cycles per access"}
 *   ]
 * }
 * </pre>
 */
public final class SweepFile {
  /** More points than this is almost certainly a mistake in a range. */
  static final int MAX_POINTS = 10_000;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final String OVERRIDES = "/host/overrides";
  private static final Set<String> TOP =
      Set.of("name", "description", "scenario", "variant", "set", "combine", "axes", "metrics");
  private static final Set<String> AXIS =
      Set.of(
          "name",
          "title",
          "pointer",
          "pointers",
          "values",
          "from",
          "to",
          "step",
          "factor",
          "multiply",
          "alongside",
          "log");
  private static final Set<String> METRIC = Set.of("name", "metric", "aggregate", "title");

  /** How the axes' values are combined into points. */
  public enum Combine {
    CARTESIAN,
    ZIP
  }

  /** How the values of a metric matched by a pattern are reduced to one. */
  public enum Aggregate {
    MEAN,
    MEDIAN,
    MIN,
    MAX,
    SUM;

    double of(double[] v) {
      double[] s = v.clone();
      java.util.Arrays.sort(s);
      double sum = 0;
      for (double x : s) {
        sum += x;
      }
      return switch (this) {
        case MEAN -> sum / s.length;
        case MEDIAN ->
            s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        case MIN -> s[0];
        case MAX -> s[s.length - 1];
        case SUM -> sum;
      };
    }
  }

  /**
   * One axis.
   *
   * @param name the axis's CSV column
   * @param title the plot's axis title (with its unit)
   * @param pointers where each value is set in the scenario
   * @param values the values as JSON (the factors when {@code multiply})
   * @param labels each value as written in the CSV
   * @param multiply whether each value multiplies what the scenario (or its profile) has there
   * @param alongside other pointers set together with this axis, one value per value of the axis
   * @param log whether the plot's x axis is logarithmic
   * @param at the axis's position in the sweep file, and of each value (or of the range)
   */
  public record Axis(
      String name,
      String title,
      List<String> pointers,
      List<JsonNode> values,
      List<String> labels,
      boolean multiply,
      Map<String, List<JsonNode>> alongside,
      boolean log,
      String at,
      List<String> valueAt) {
    /** Whether every value is a JSON number, so it can be an x coordinate. */
    public boolean numeric() {
      return values.stream().allMatch(JsonNode::isNumber);
    }
  }

  /** One metric to collect: a result.json name, or a glob ({@code *} within a name's part). */
  public record Metric(String name, String title, String metric, Aggregate aggregate) {
    public boolean isPattern() {
      return metric.contains("*");
    }

    /** The pattern as a regex: {@code *} matches within one dot-separated part. */
    Pattern regex() {
      StringBuilder sb = new StringBuilder();
      for (char c : metric.toCharArray()) {
        sb.append(c == '*' ? "[^.]*" : Pattern.quote(String.valueOf(c)));
      }
      return Pattern.compile(sb.toString());
    }
  }

  private final String file;
  private final String name;
  private final String description;
  private final String scenarioFile;
  private final Combine combine;
  private final List<Axis> axes;
  private final List<Metric> metrics;
  private final List<SweepPoint> points;

  private SweepFile(
      String file,
      String name,
      String description,
      String scenarioFile,
      Combine combine,
      List<Axis> axes,
      List<Metric> metrics,
      List<SweepPoint> points) {
    this.file = file;
    this.name = name;
    this.description = description;
    this.scenarioFile = scenarioFile;
    this.combine = combine;
    this.axes = List.copyOf(axes);
    this.metrics = List.copyOf(metrics);
    this.points = List.copyOf(points);
  }

  public String file() {
    return file;
  }

  public String name() {
    return name;
  }

  public String description() {
    return description;
  }

  public String scenarioFile() {
    return scenarioFile;
  }

  public Combine combine() {
    return combine;
  }

  public List<Axis> axes() {
    return axes;
  }

  public List<Metric> metrics() {
    return metrics;
  }

  /** The points in expansion order (for cartesian, the first axis varies slowest). */
  public List<SweepPoint> points() {
    return points;
  }

  /** Loads a sweep file by path, or a bundled sweep by name when no such file exists. */
  public static SweepFile load(String fileOrName) throws ScenarioException {
    Path path = Path.of(fileOrName);
    if (!Files.exists(path) && path.getParent() == null) {
      java.util.Optional<String> bundled = BundledSweeps.read(fileOrName);
      if (bundled.isPresent()) {
        return load(fileOrName, bundled.get(), null);
      }
    }
    String text = ScenarioLoader.readText(fileOrName);
    return load(fileOrName, text, path.toAbsolutePath().getParent());
  }

  /**
   * Loads a sweep from its text.
   *
   * @param dir where a relative scenario path is looked up; null for a bundled sweep (its scenario
   *     is a bundled one)
   */
  public static SweepFile load(String file, String text, Path dir) throws ScenarioException {
    return load(file, text, dir, version());
  }

  static SweepFile load(String file, String text, Path dir, String version)
      throws ScenarioException {
    StrictJson json = new StrictJson();
    SourceDocument doc = json.parse(file, text);
    SourceMap src = doc.sources();
    ObjectNode root = doc.root();
    keys(root, "", TOP, src);
    String name = text(root, "", "name", src, true);
    if (!NAME.matcher(name).matches()) {
      throw error(src, "/name", "a sweep's name uses letters, digits, '.', '_' or '-'");
    }
    String description = root.has("description") ? text(root, "", "description", src, true) : "";
    String scenarioName = text(root, "", "scenario", src, true);
    Combine combine = Combine.CARTESIAN;
    if (root.has("combine")) {
      String c = text(root, "", "combine", src, true);
      combine =
          switch (c) {
            case "cartesian" -> Combine.CARTESIAN;
            case "zip" -> Combine.ZIP;
            default -> throw error(src, "/combine", "combine is \"cartesian\" or \"zip\"");
          };
    }

    // The scenario, as one configuration, with the sweep's fixed changes.
    String scenarioPath = scenarioName;
    if (dir != null && !Path.of(scenarioName).isAbsolute()) {
      Path rel = dir.resolve(scenarioName);
      if (Files.exists(rel) || Path.of(scenarioName).getParent() != null) {
        scenarioPath = rel.toString();
      }
    }
    String scenarioText;
    try {
      scenarioText = ScenarioLoader.readText(scenarioPath);
    } catch (ScenarioException e) {
      throw error(src, "/scenario", "cannot load the scenario: " + e.getMessage());
    }
    ScenarioLoader loader = new ScenarioLoader();
    SourceDocument scenario = json.parse(scenarioPath, scenarioText);
    String variant = root.has("variant") ? text(root, "", "variant", src, true) : RunPlan.BASE;
    ScenarioLoader.ConfigurationTree base =
        loader.configurationTree(scenario, variant, src.locate("/variant"));
    if (root.has("set")) {
      JsonNode set = root.get("set");
      if (!set.isObject()) {
        throw error(
            src,
            "/set",
            "set is an object of JSON pointers and values, e.g. {\"/vms/0/vcpus\": 8}");
      }
      Iterator<String> it = set.fieldNames();
      while (it.hasNext()) {
        String p = it.next();
        if (!p.startsWith("/")) {
          throw ScenarioException.at(
              src.locateName(Pointers.child("/set", p)),
              Pointers.child("/set", p),
              "each key of set is a JSON pointer into the scenario, e.g. \"/vms/0/vcpus\"");
        }
      }
      json.applyOverrides(base.root(), base.sources(), set, "/set", src);
    }
    RunPlan basePlan = loader.plan(RunPlan.BASE, base.root(), base.sources());
    JsonNode resolved = json.mapper().valueToTree(basePlan.scenario());
    JsonNode profile = basePlan.profileTree();

    // Axes.
    JsonNode axesNode = root.get("axes");
    if (axesNode == null) {
      throw error(src, "", "a sweep needs \"axes\": a list of {\"name\", \"pointer\", \"values\"}");
    }
    if (!axesNode.isArray() || axesNode.isEmpty()) {
      throw error(src, "/axes", "axes is a non-empty list of {\"name\", \"pointer\", \"values\"}");
    }
    List<Axis> axes = new ArrayList<>();
    Set<String> columns = new HashSet<>();
    for (int i = 0; i < axesNode.size(); i++) {
      Axis a = axis(axesNode.get(i), "/axes/" + i, src, resolved, profile);
      if (!columns.add(a.name())) {
        throw error(
            src, "/axes/" + i + "/name", "another axis or metric is named \"" + a.name() + "\"");
      }
      axes.add(a);
    }
    if (combine == Combine.ZIP) {
      for (int i = 1; i < axes.size(); i++) {
        if (axes.get(i).values().size() != axes.get(0).values().size()) {
          throw error(
              src,
              axes.get(i).at(),
              "with \"combine\": \"zip\" every axis has as many values as the first ("
                  + axes.get(0).values().size()
                  + "), this one has "
                  + axes.get(i).values().size());
        }
      }
    }

    // Metrics.
    JsonNode metricsNode = root.get("metrics");
    if (metricsNode == null) {
      throw error(
          src, "", "a sweep needs \"metrics\": a list of {\"name\", \"metric\"} to collect");
    }
    if (!metricsNode.isArray() || metricsNode.isEmpty()) {
      throw error(src, "/metrics", "metrics is a non-empty list of {\"name\", \"metric\"}");
    }
    List<Metric> metrics = new ArrayList<>();
    for (int i = 0; i < metricsNode.size(); i++) {
      String at = "/metrics/" + i;
      Metric m = metric(metricsNode.get(i), at, src);
      for (String c :
          m.isPattern()
              ? List.of(m.name(), m.name() + "_min", m.name() + "_max")
              : List.of(m.name())) {
        if (!columns.add(c)) {
          throw error(src, at + "/name", "another axis or metric column is named \"" + c + "\"");
        }
      }
      metrics.add(m);
    }

    // Points.
    List<int[]> coordinates = expand(axes, combine, src);
    List<SweepPoint> points = new ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (int[] c : coordinates) {
      ObjectNode tree = base.root().deepCopy();
      SourceMap sources = base.sources().copy();
      List<String> labels = new ArrayList<>();
      for (int a = 0; a < axes.size(); a++) {
        Axis axis = axes.get(a);
        int v = c[a];
        labels.add(axis.labels().get(v));
        for (String p : axis.pointers()) {
          JsonNode value = axis.values().get(v);
          if (axis.multiply()) {
            value = multiply(valueAt(p, resolved, profile), value);
          }
          set(json, tree, sources, p, value, axis.valueAt().get(v), src);
        }
        for (Map.Entry<String, List<JsonNode>> e : axis.alongside().entrySet()) {
          set(
              json,
              tree,
              sources,
              e.getKey(),
              e.getValue().get(v),
              Pointers.child(Pointers.child(axis.at(), "alongside"), e.getKey()) + "/" + v,
              src);
        }
      }
      RunPlan plan = loader.plan(RunPlan.BASE, tree, sources);
      String text1 = resolvedText(json, plan);
      String key = key(version, text1, json.toPrettyJson(plan.profileTree()));
      Integer earlier = seen.putIfAbsent(key, points.size());
      if (earlier != null) {
        throw error(
            src,
            "/axes",
            "points "
                + points.get(earlier).axisValues()
                + " and "
                + labels
                + " are the same scenario: an axis changes nothing there");
      }
      points.add(new SweepPoint(points.size(), labels, key, text1));
    }
    return new SweepFile(file, name, description, scenarioPath, combine, axes, metrics, points);
  }

  private static void set(
      StrictJson json,
      ObjectNode tree,
      SourceMap sources,
      String pointer,
      JsonNode value,
      String writtenAt,
      SourceMap sweepSources)
      throws ScenarioException {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.set(pointer, value);
    // The origin of the value is where the sweep wrote it (the body pointer's nearest ancestor).
    json.applyOverrides(tree, sources, body, writtenAt, sweepSources);
  }

  /** The resolved scenario as loadable text: every default filled in, no nulls. */
  static String resolvedText(StrictJson json, RunPlan plan) {
    JsonNode t = json.mapper().valueToTree(plan.scenario());
    stripNulls(t);
    return json.toPrettyJson(t);
  }

  private static void stripNulls(JsonNode n) {
    if (n instanceof ObjectNode o) {
      Iterator<Map.Entry<String, JsonNode>> it = o.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getValue().isNull()) {
          it.remove();
        } else {
          stripNulls(e.getValue());
        }
      }
    } else if (n instanceof ArrayNode a) {
      for (JsonNode x : a) {
        stripNulls(x);
      }
    }
  }

  /** SHA-256 of the vsim version, the resolved scenario and the resolved profile, in hex. */
  static String key(String version, String scenario, String profile) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(("vsim " + version + "\n").getBytes(StandardCharsets.UTF_8));
      d.update(scenario.getBytes(StandardCharsets.UTF_8));
      d.update(profile.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The version that keys the cache: the jar's version and, run from a jar, the jar's digest. */
  static String version() {
    return Version.get();
  }

  private static List<int[]> expand(List<Axis> axes, Combine combine, SourceMap src)
      throws ScenarioException {
    List<int[]> out = new ArrayList<>();
    if (combine == Combine.ZIP) {
      for (int v = 0; v < axes.get(0).values().size(); v++) {
        int[] c = new int[axes.size()];
        java.util.Arrays.fill(c, v);
        out.add(c);
      }
      return out;
    }
    long total = 1;
    for (Axis a : axes) {
      total *= a.values().size();
      if (total > MAX_POINTS) {
        throw error(
            src, "/axes", "the axes make more than " + MAX_POINTS + " points; sweep fewer values");
      }
    }
    int[] c = new int[axes.size()];
    for (long n = 0; n < total; n++) {
      out.add(c.clone());
      for (int a = axes.size() - 1; a >= 0; a--) {
        if (++c[a] < axes.get(a).values().size()) {
          break;
        }
        c[a] = 0;
      }
    }
    return out;
  }

  private static Axis axis(
      JsonNode node, String at, SourceMap src, JsonNode resolved, JsonNode profile)
      throws ScenarioException {
    if (!node.isObject()) {
      throw error(src, at, "an axis is an object: {\"name\", \"pointer\", \"values\"}");
    }
    keys(node, at, AXIS, src);
    String name = text(node, at, "name", src, true);
    if (!NAME.matcher(name).matches()) {
      throw error(src, at + "/name", "an axis's name uses letters, digits, '.', '_' or '-'");
    }
    String title = node.has("title") ? text(node, at, "title", src, true) : name;
    List<String> pointers = new ArrayList<>();
    if (node.has("pointer") == node.has("pointers")) {
      throw error(
          src, at, "an axis has either \"pointer\" or \"pointers\" (a list), not both or neither");
    }
    List<String> pointerAt = new ArrayList<>();
    if (node.has("pointer")) {
      pointers.add(text(node, at, "pointer", src, true));
      pointerAt.add(at + "/pointer");
    } else {
      JsonNode ps = node.get("pointers");
      if (!ps.isArray() || ps.isEmpty()) {
        throw error(src, at + "/pointers", "pointers is a non-empty list of JSON pointers");
      }
      for (int i = 0; i < ps.size(); i++) {
        if (!ps.get(i).isTextual()) {
          throw error(src, at + "/pointers/" + i, "a pointer is a string, e.g. \"/vms/0/vcpus\"");
        }
        pointers.add(ps.get(i).asText());
        pointerAt.add(at + "/pointers/" + i);
      }
    }
    for (int i = 0; i < pointers.size(); i++) {
      checkPointer(pointers.get(i), pointerAt.get(i), src, resolved, profile);
    }
    int kinds =
        (node.has("values") ? 1 : 0) + (node.has("from") ? 1 : 0) + (node.has("multiply") ? 1 : 0);
    if (kinds != 1) {
      throw error(
          src,
          at,
          "an axis has one of \"values\" (a list), \"from\"/\"to\" with \"step\" or \"factor\", or"
              + " \"multiply\" (a list of factors)");
    }
    List<JsonNode> values = new ArrayList<>();
    List<String> valueAt = new ArrayList<>();
    boolean multiply = node.has("multiply");
    boolean factorRange = false;
    if (node.has("values") || multiply) {
      String key = multiply ? "multiply" : "values";
      JsonNode vs = node.get(key);
      if (!vs.isArray()) {
        throw error(src, at + "/" + key, key + " is a list, e.g. [1, 2, 4]");
      }
      if (vs.isEmpty()) {
        throw error(src, at + "/" + key, key + " is empty: an axis needs at least one value");
      }
      for (int i = 0; i < vs.size(); i++) {
        JsonNode v = vs.get(i);
        if (v.isObject() || v.isArray()) {
          throw error(
              src, at + "/" + key + "/" + i, "an axis value is a number, a string or a boolean");
        }
        if (multiply && (!v.isNumber() || v.asDouble() <= 0)) {
          throw error(src, at + "/multiply/" + i, "a factor is a positive number, e.g. 0.5 or 2");
        }
        values.add(v);
        valueAt.add(at + "/" + key + "/" + i);
      }
      if (multiply) {
        for (int i = 0; i < pointers.size(); i++) {
          if (!valueAt(pointers.get(i), resolved, profile).isNumber()) {
            throw error(
                src,
                pointerAt.get(i),
                "multiply needs a number there; "
                    + pointers.get(i)
                    + " is "
                    + valueAt(pointers.get(i), resolved, profile));
          }
        }
      }
    } else {
      if (!node.has("to") || node.has("step") == node.has("factor")) {
        throw error(src, at, "a range has \"from\", \"to\" and either \"step\" or \"factor\"");
      }
      String how = node.has("step") ? "step" : "factor";
      BigDecimal from = number(node, at, "from", src);
      BigDecimal to = number(node, at, "to", src);
      BigDecimal by = number(node, at, how, src);
      factorRange = how.equals("factor");
      if (factorRange
          ? by.compareTo(BigDecimal.ONE) <= 0 || from.signum() <= 0
          : by.signum() <= 0) {
        throw error(
            src,
            at + "/" + how,
            factorRange
                ? "a factor range needs factor > 1 and from > 0"
                : "step must be positive (to go down, swap from and to)");
      }
      if (to.compareTo(from) < 0) {
        throw error(src, at + "/to", "to is below from: the range is empty");
      }
      boolean integral = isIntegral(from) && isIntegral(by);
      for (BigDecimal v = from;
          v.compareTo(to) <= 0;
          v = factorRange ? v.multiply(by) : v.add(by)) {
        if (values.size() >= MAX_POINTS) {
          throw error(src, at, "the range has more than " + MAX_POINTS + " values");
        }
        values.add(
            integral
                ? LongNode.valueOf(v.longValueExact())
                : JsonNodeFactory.withExactBigDecimals(true).numberNode(v.stripTrailingZeros()));
        valueAt.add(at + "/from");
      }
    }
    List<String> labels = new ArrayList<>();
    for (JsonNode v : values) {
      labels.add(
          v.isTextual()
              ? v.asText()
              : v.isBigDecimal() ? v.decimalValue().toPlainString() : v.toString());
    }
    Map<String, List<JsonNode>> alongside = new LinkedHashMap<>();
    if (node.has("alongside")) {
      JsonNode al = node.get("alongside");
      if (!al.isObject() || al.isEmpty()) {
        throw error(
            src,
            at + "/alongside",
            "alongside is an object of pointers, each with one value per value of the axis");
      }
      Iterator<Map.Entry<String, JsonNode>> it = al.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = Pointers.child(at + "/alongside", e.getKey());
        if (!e.getKey().startsWith("/")) {
          throw ScenarioException.at(src.locateName(p), p, "a key of alongside is a JSON pointer");
        }
        checkPointer(e.getKey(), p, src, resolved, profile);
        if (!e.getValue().isArray() || e.getValue().size() != values.size()) {
          throw error(
              src,
              p,
              "alongside values are a list of as many values as the axis has ("
                  + values.size()
                  + ")");
        }
        List<JsonNode> vs = new ArrayList<>();
        e.getValue().forEach(vs::add);
        alongside.put(e.getKey(), vs);
      }
    }
    boolean log = factorRange;
    if (node.has("log")) {
      if (!node.get("log").isBoolean()) {
        throw error(src, at + "/log", "log is true or false");
      }
      log = node.get("log").asBoolean();
    }
    if (log && !values.stream().allMatch(v -> v.isNumber() && v.asDouble() > 0)) {
      throw error(src, at + "/log", "a logarithmic axis needs positive numbers");
    }
    return new Axis(name, title, pointers, values, labels, multiply, alongside, log, at, valueAt);
  }

  private static boolean isIntegral(BigDecimal v) {
    return v.stripTrailingZeros().scale() <= 0;
  }

  private static void checkPointer(
      String pointer, String at, SourceMap src, JsonNode resolved, JsonNode profile)
      throws ScenarioException {
    if (!pointer.startsWith("/")) {
      throw error(src, at, "a pointer starts with '/', e.g. \"/vms/0/vcpus\"");
    }
    if (valueAt(pointer, resolved, profile).isMissingNode()) {
      String where =
          pointer.startsWith(OVERRIDES + "/")
              ? "the scenario's hardware profile has no " + pointer.substring(OVERRIDES.length())
              : "the resolved scenario has no " + pointer;
      throw error(
          src,
          at,
          where
              + "; see scenario.resolved.json of a run (vsim validate shows the scenario, vsim"
              + " profiles NAME the profile)");
    }
  }

  /** The value at a pointer in the resolved scenario, or under /host/overrides in its profile. */
  private static JsonNode valueAt(String pointer, JsonNode resolved, JsonNode profile) {
    try {
      if (pointer.startsWith(OVERRIDES + "/")) {
        return profile.at(pointer.substring(OVERRIDES.length()));
      }
      return resolved.at(pointer);
    } catch (IllegalArgumentException e) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
  }

  private static JsonNode multiply(JsonNode base, JsonNode factor) {
    if (base.isIntegralNumber()) {
      return LongNode.valueOf(Math.round(base.asDouble() * factor.asDouble()));
    }
    return DoubleNode.valueOf(base.asDouble() * factor.asDouble());
  }

  private static Metric metric(JsonNode node, String at, SourceMap src) throws ScenarioException {
    if (!node.isObject()) {
      throw error(src, at, "a metric is an object: {\"name\", \"metric\"}");
    }
    keys(node, at, METRIC, src);
    String metric = text(node, at, "metric", src, true);
    if (!metric.matches("[A-Za-z0-9_.*-]+")) {
      throw error(
          src,
          at + "/metric",
          "a metric is a result.json name such as vm0.dirtier.median_seconds, with '*' for any part"
              + " of a name, e.g. vm0.vcpu*.vmexit.cpuid.cycles_per_iteration");
    }
    boolean pattern = metric.contains("*");
    String name;
    if (node.has("name")) {
      name = text(node, at, "name", src, true);
    } else if (!pattern) {
      name = metric;
    } else {
      throw error(src, at, "a metric with '*' needs a \"name\" for its column");
    }
    if (!NAME.matcher(name).matches()) {
      throw error(src, at + "/name", "a column name uses letters, digits, '.', '_' or '-'");
    }
    Aggregate agg = null;
    if (node.has("aggregate")) {
      String a = text(node, at, "aggregate", src, true);
      try {
        agg = Aggregate.valueOf(a.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw error(src, at + "/aggregate", "aggregate is one of mean, median, min, max, sum");
      }
      if (!pattern) {
        throw error(
            src,
            at + "/aggregate",
            "aggregate reduces the metrics a '*' matches; this metric has none");
      }
    } else if (pattern) {
      throw error(src, at, "a metric with '*' needs \"aggregate\": mean, median, min, max or sum");
    }
    String title = node.has("title") ? text(node, at, "title", src, true) : name;
    return new Metric(name, title, metric, agg);
  }

  private static void keys(JsonNode node, String at, Set<String> allowed, SourceMap src)
      throws ScenarioException {
    Iterator<String> it = node.fieldNames();
    while (it.hasNext()) {
      String k = it.next();
      if (!allowed.contains(k)) {
        String p = Pointers.child(at, k);
        throw ScenarioException.at(
            src.locateName(p),
            p,
            "unknown key \""
                + k
                + "\"; known here: "
                + String.join(", ", new java.util.TreeSet<>(allowed)));
      }
    }
  }

  private static String text(JsonNode node, String at, String key, SourceMap src, boolean required)
      throws ScenarioException {
    JsonNode v = node.get(key);
    if (v == null) {
      throw error(src, at, "missing \"" + key + "\"");
    }
    if (!v.isTextual() || v.asText().isEmpty()) {
      throw error(src, at + "/" + key, key + " is a non-empty string");
    }
    return v.asText();
  }

  private static BigDecimal number(JsonNode node, String at, String key, SourceMap src)
      throws ScenarioException {
    JsonNode v = node.get(key);
    if (v == null) {
      throw error(src, at, "missing \"" + key + "\"");
    }
    if (!v.isNumber()) {
      throw error(src, at + "/" + key, key + " is a number");
    }
    return v.decimalValue();
  }

  private static ScenarioException error(SourceMap src, String pointer, String problem) {
    Origin o = src.locate(pointer);
    return ScenarioException.at(o, pointer.isEmpty() ? "/" : pointer, problem);
  }
}
