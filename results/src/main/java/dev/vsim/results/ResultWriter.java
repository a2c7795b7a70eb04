package dev.vsim.results;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

/**
 * Writes a run's directory atomically: everything goes into a hidden sibling directory first, and
 * only a complete directory is renamed into place. A failure, or an interrupt (through a shutdown
 * hook), removes the partial directory, so a directory named like a result is always complete.
 */
public final class ResultWriter {
  public static final String RESULT_JSON = "result.json";
  public static final String SUMMARY_MD = "summary.md";
  public static final String RESOLVED_SCENARIO = "scenario.resolved.json";
  public static final String RUN_INFO = "run-info.json";

  /** Directory of the distributions' histogram logs: {@code histograms/<configuration>/}. */
  public static final String HISTOGRAMS = "histograms";

  /** Extension of a histogram log (HdrHistogram's log format, one interval histogram). */
  public static final String HISTOGRAM_EXTENSION = ".hlog";

  /** The percentiles of each distribution that result.json gives beside its file. */
  private static final double[] PERCENTILES = {50, 90, 99, 99.9};

  private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");

  /** Hook for tests: called after each file is written inside the partial directory. */
  interface FileListener {
    void written(Path file) throws IOException;
  }

  private final FileListener listener;

  public ResultWriter() {
    this(f -> {});
  }

  ResultWriter(FileListener listener) {
    this.listener = listener;
  }

  /**
   * Creates a fresh, empty run directory {@code runs/<scenario>-<time>} (with {@code -2}, {@code
   * -3}... when taken) in one atomic step, so that two runs started in the same second never pick
   * the same one; {@link #write} later replaces the empty directory with the complete results.
   */
  public static Path reserveRunDirectory(Path runsRoot, String scenario, Clock clock)
      throws IOException {
    Files.createDirectories(runsRoot);
    String stamp = LocalDateTime.now(clock).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    for (int i = 1; ; i++) {
      Path p = runsRoot.resolve(scenario + "-" + stamp + (i == 1 ? "" : "-" + i));
      try {
        return Files.createDirectory(p);
      } catch (FileAlreadyExistsException taken) {
        // Another run has it: the next suffix.
      }
    }
  }

  /** Whether {@code dir} is the partial directory of a run being written, or of one killed. */
  public static boolean isPartial(Path dir) {
    Path name = dir.toAbsolutePath().normalize().getFileName();
    return name != null && name.toString().matches("\\..+\\.partial-\\d+");
  }

  /**
   * Removes the partial directories that runs into {@code target} left when they were killed before
   * they could clean up ({@code kill -9}: their process is gone).
   *
   * @return the directories removed
   */
  public static List<Path> removeStalePartials(Path target) throws IOException {
    target = target.toAbsolutePath().normalize();
    Path parent = target.getParent();
    List<Path> removed = new ArrayList<>();
    if (parent == null || !Files.isDirectory(parent)) {
      return removed;
    }
    String prefix = "." + target.getFileName() + ".partial-";
    try (Stream<Path> s = Files.list(parent)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (n.startsWith(prefix) && n.substring(prefix.length()).matches("\\d+")) {
          long pid = Long.parseLong(n.substring(prefix.length()));
          if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            continue; // a run still writing
          }
          deleteTree(p);
          removed.add(p);
        }
      }
    }
    return removed;
  }

  /**
   * Fails unless {@code target} is absent or an empty directory, so that a run can be refused
   * before it is simulated rather than after.
   */
  public static void checkWritable(Path target) throws IOException {
    if (Files.exists(target)) {
      if (!Files.isDirectory(target)) {
        throw new FileAlreadyExistsException(target.toString(), null, "it is a file");
      }
      try (Stream<Path> s = Files.list(target)) {
        if (s.findAny().isPresent()) {
          throw new FileAlreadyExistsException(
              target.toString(), null, "the output directory exists and is not empty");
        }
      }
    }
  }

  /**
   * Writes the run into {@code target}, which must not exist or be an empty directory.
   *
   * @param resolvedScenario the scenario with every default filled in, as JSON text
   * @param runInfo facts about this execution that vary between runs (elapsed time, versions)
   */
  public void write(
      Path target, RunResult result, String resolvedScenario, Map<String, String> runInfo)
      throws IOException {
    atomically(
        target,
        partial -> {
          writeText(partial.resolve(RESOLVED_SCENARIO), resolvedScenario);
          writeText(partial.resolve(RESULT_JSON), resultJson(result));
          writeText(partial.resolve(RUN_INFO), runInfoJson(runInfo));
          Map<String, String> dirs = histogramDirectories(result);
          for (Map.Entry<String, Metrics> c : result.configurations().entrySet()) {
            for (Map.Entry<String, Metrics.Distribution> d :
                c.getValue().distributions().entrySet()) {
              Path file = partial.resolve(histogramFile(dirs.get(c.getKey()), d.getKey()));
              Files.createDirectories(file.getParent());
              writeBytes(file, histogramLog(d.getKey(), d.getValue()));
            }
          }
          if (!result.tables().isEmpty()) {
            Path tables = Files.createDirectories(partial.resolve("tables"));
            for (Table t : result.tables()) {
              writeText(tables.resolve(t.name() + ".csv"), t.toCsv());
            }
          }
          if (!result.plots().isEmpty()) {
            Path plots = Files.createDirectories(partial.resolve("plots"));
            for (Plot p : result.plots()) {
              p.write(plots);
              listener.written(plots.resolve(p.name() + ".png"));
            }
          }
          // The summary goes last: its presence means the rest is there.
          writeText(partial.resolve(SUMMARY_MD), result.summary());
        });
  }

  /**
   * Writes files (name relative to the directory, contents) into {@code target} atomically, as
   * {@link #write} does a run: {@code target} appears complete or not at all.
   */
  public void writeFiles(Path target, Map<String, byte[]> files) throws IOException {
    atomically(
        target,
        partial -> {
          for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path file = partial.resolve(f.getKey());
            Files.createDirectories(file.getParent());
            writeBytes(file, f.getValue());
          }
        });
  }

  private interface Contents {
    void writeInto(Path partial) throws IOException;
  }

  /**
   * Writes into the hidden {@code .NAME.partial-PID} sibling of {@code target} and renames it into
   * place; a failure or an interrupt removes the partial directory.
   */
  private void atomically(Path target, Contents contents) throws IOException {
    target = target.toAbsolutePath().normalize();
    checkWritable(target);
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path partial =
        parent.resolve("." + target.getFileName() + ".partial-" + ProcessHandle.current().pid());
    deleteTree(partial);
    Thread cleanup = new Thread(() -> deleteQuietly(partial), "vsim-partial-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    boolean done = false;
    try {
      Files.createDirectories(partial);
      contents.writeInto(partial);
      if (Files.exists(target)) {
        Files.delete(target); // empty, checked above
      }
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } finally {
      if (!done) {
        deleteQuietly(partial);
      }
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // The hook runs anyway.
      }
    }
  }

  private void writeText(Path file, String text) throws IOException {
    writeBytes(file, text.getBytes(StandardCharsets.UTF_8));
  }

  private void writeBytes(Path file, byte[] bytes) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    listener.written(file);
  }

  /**
   * Per configuration, the name of its directory under {@link #HISTOGRAMS}: its own name with any
   * character other than letters, digits, '.', '_' and '-' replaced by '_' (and a leading '.' too),
   * made unique with a suffix {@code -2}, {@code -3}... in run order.
   */
  static Map<String, String> histogramDirectories(RunResult r) {
    Map<String, String> out = new LinkedHashMap<>();
    Set<String> taken = new HashSet<>();
    for (String c : r.configurations().keySet()) {
      String safe = UNSAFE.matcher(c).replaceAll("_");
      if (safe.startsWith(".")) {
        safe = "_" + safe.substring(1);
      }
      String name = safe;
      for (int i = 2; !taken.add(name); i++) {
        name = safe + "-" + i;
      }
      out.put(c, name);
    }
    return out;
  }

  /** The path, relative to the run directory, of a distribution's histogram log. */
  static String histogramFile(String configurationDirectory, String metric) {
    return HISTOGRAMS
        + "/"
        + configurationDirectory
        + "/"
        + UNSAFE.matcher(metric).replaceAll("_")
        + HISTOGRAM_EXTENSION;
  }

  /**
   * A distribution in HdrHistogram's log format: a comment naming it, the format version, the
   * legend and one interval histogram (start and length 0, as simulated time is not wall time;
   * tagged with the metric's name; its max column in the distribution's own unit). Read it back
   * with {@code org.HdrHistogram.HistogramLogReader}.
   */
  static byte[] histogramLog(String metric, Metrics.Distribution d) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, false, StandardCharsets.UTF_8)) {
      HistogramLogWriter w = new HistogramLogWriter(out);
      w.outputComment("vsim distribution " + metric + " [" + d.unit() + "]: " + d.description());
      w.outputLogFormatVersion();
      w.outputLegend();
      Histogram h = d.histogram().copy();
      h.setTag(metric);
      w.outputIntervalHistogram(0.0, 0.0, h, 1.0);
    }
    return bytes.toByteArray();
  }

  /** result.json: schema version, scenario, seed, metrics of base and variants, comparisons. */
  public static String resultJson(RunResult r) {
    try {
      StringWriter w = new StringWriter();
      JsonGenerator g = new JsonFactory().createGenerator(w);
      DefaultPrettyPrinter pp = new DefaultPrettyPrinter();
      g.setPrettyPrinter(pp);
      g.writeStartObject();
      g.writeNumberField("schemaVersion", RunResult.SCHEMA_VERSION);
      g.writeStringField("scenario", r.scenario());
      g.writeStringField("file", r.file());
      g.writeNumberField("seed", r.seed());
      Map<String, String> dirs = histogramDirectories(r);
      Metrics base = r.configurations().get(RunResult.BASE);
      if (base != null) {
        g.writeBooleanField("cutOff", r.wasCutOff(RunResult.BASE));
        g.writeFieldName("metrics");
        writeMetrics(g, base);
        writeAnnotations(g, base, dirs.get(RunResult.BASE));
      }
      boolean anyVariant = r.configurations().keySet().stream().anyMatch(k -> !k.equals("base"));
      if (anyVariant) {
        g.writeObjectFieldStart("variants");
        for (Map.Entry<String, Metrics> e : r.configurations().entrySet()) {
          if (e.getKey().equals(RunResult.BASE)) {
            continue;
          }
          g.writeObjectFieldStart(e.getKey());
          g.writeBooleanField("cutOff", r.wasCutOff(e.getKey()));
          g.writeFieldName("metrics");
          writeMetrics(g, e.getValue());
          writeAnnotations(g, e.getValue(), dirs.get(e.getKey()));
          g.writeEndObject();
        }
        g.writeEndObject();
      }
      g.writeArrayFieldStart("published");
      for (PublishedComparison c : r.publishedComparisons()) {
        g.writeStartObject();
        g.writeStringField("quantity", c.quantity());
        g.writeStringField("configuration", c.configuration());
        g.writeStringField("metric", c.metric());
        if (Double.isNaN(c.simulated())) {
          g.writeNullField("simulated");
        } else {
          g.writeNumberField("simulated", c.simulated());
        }
        g.writeNumberField("low", c.low());
        g.writeNumberField("high", c.high());
        g.writeStringField("unit", c.unit());
        g.writeStringField("source", c.source());
        g.writeBooleanField("withinRange", c.withinRange());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      g.close();
      return w.toString() + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void writeMetrics(JsonGenerator g, Metrics m) throws IOException {
    g.writeStartObject();
    for (Map.Entry<String, Number> e : m.asMap().entrySet()) {
      Number n = e.getValue();
      if (n instanceof Double d) {
        g.writeNumberField(e.getKey(), d);
      } else {
        g.writeNumberField(e.getKey(), n.longValue());
      }
    }
    g.writeEndObject();
  }

  /**
   * Beside a configuration's metrics: "units" and "descriptions" (one entry per metric, in the same
   * order) and "distributions" (each with its unit, description, histogram file and a summary).
   */
  private static void writeAnnotations(JsonGenerator g, Metrics m, String dir) throws IOException {
    g.writeObjectFieldStart("units");
    for (String name : m.asMap().keySet()) {
      g.writeStringField(name, m.unit(name));
    }
    g.writeEndObject();
    g.writeObjectFieldStart("descriptions");
    for (String name : m.asMap().keySet()) {
      g.writeStringField(name, m.description(name));
    }
    g.writeEndObject();
    g.writeObjectFieldStart("distributions");
    for (Map.Entry<String, Metrics.Distribution> e : m.distributions().entrySet()) {
      Metrics.Distribution d = e.getValue();
      Histogram h = d.histogram();
      g.writeObjectFieldStart(e.getKey());
      g.writeStringField("unit", d.unit());
      g.writeStringField("description", d.description());
      g.writeStringField("file", histogramFile(dir, e.getKey()));
      g.writeNumberField("count", h.getTotalCount());
      g.writeNumberField("min", h.getTotalCount() == 0 ? 0 : h.getMinValue());
      g.writeNumberField("mean", h.getTotalCount() == 0 ? 0.0 : h.getMean());
      for (double p : PERCENTILES) {
        g.writeNumberField(percentileName(p), h.getValueAtPercentile(p));
      }
      g.writeNumberField("max", h.getMaxValue());
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  /** {@code p50}, {@code p99}, {@code p99.9}. */
  static String percentileName(double p) {
    return "p" + (p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p));
  }

  private static String runInfoJson(Map<String, String> info) throws IOException {
    StringWriter w = new StringWriter();
    JsonGenerator g = new JsonFactory().createGenerator(w);
    g.setPrettyPrinter(new DefaultPrettyPrinter());
    g.writeStartObject();
    for (Map.Entry<String, String> e : info.entrySet()) {
      g.writeStringField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
    g.close();
    return w + "\n";
  }

  private static void deleteQuietly(Path dir) {
    try {
      deleteTree(dir);
    } catch (IOException | RuntimeException e) {
      // Best effort: the directory's name still marks it as partial.
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        try {
          Files.delete(p);
        } catch (DirectoryNotEmptyException e) {
          throw e;
        }
      }
    }
  }
}
