package dev.vsim.results;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run produced, ready to be written: the metrics of the base configuration and of each
 * variant, tables, comparisons with published figures, plots, and the summary text. Nothing in it
 * depends on the wall clock, so the same scenario and seed give the same bytes.
 */
public final class RunResult {
  /** Version of result.json's layout; bumped on any incompatible change. */
  public static final int SCHEMA_VERSION = 2;

  /** Name of the base configuration among the configurations. */
  public static final String BASE = "base";

  private final String scenario;
  private final String file;
  private final long seed;
  private final Map<String, Metrics> configurations = new LinkedHashMap<>();
  private final Map<String, Boolean> cutOff = new LinkedHashMap<>();
  private final List<Table> tables = new ArrayList<>();
  private final List<PublishedComparison> published = new ArrayList<>();
  private final List<Plot> plots = new ArrayList<>();
  private String summary = "";

  public RunResult(String scenario, String file, long seed) {
    this.scenario = scenario;
    this.file = file;
    this.seed = seed;
  }

  /** Adds a configuration ("base" or a variant's name) with its metrics, in run order. */
  public RunResult configuration(String name, Metrics metrics, boolean wasCutOff) {
    if (configurations.putIfAbsent(name, metrics) != null) {
      throw new IllegalArgumentException("configuration " + name + " added twice");
    }
    cutOff.put(name, wasCutOff);
    return this;
  }

  public RunResult table(Table t) {
    for (Table o : tables) {
      if (o.name().equals(t.name())) {
        throw new IllegalArgumentException("table " + t.name() + " added twice");
      }
    }
    tables.add(t);
    return this;
  }

  public RunResult published(PublishedComparison c) {
    published.add(c);
    return this;
  }

  public RunResult plot(Plot p) {
    plots.add(p);
    return this;
  }

  public RunResult summary(String markdown) {
    summary = markdown;
    return this;
  }

  public String scenario() {
    return scenario;
  }

  public String file() {
    return file;
  }

  public long seed() {
    return seed;
  }

  public Map<String, Metrics> configurations() {
    return configurations;
  }

  public boolean wasCutOff(String configuration) {
    return cutOff.getOrDefault(configuration, false);
  }

  public List<Table> tables() {
    return tables;
  }

  public List<PublishedComparison> publishedComparisons() {
    return published;
  }

  public List<Plot> plots() {
    return plots;
  }

  public String summary() {
    return summary;
  }
}
