package dev.vsim.scenarios.reproduce;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vsim.cpu.registry.Registry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of the four talks in {@code seeds/} that {@code vsim reproduce} runs, read from the
 * resource {@code reproduce/talks.json}: per talk, the figures with the bundled scenario each comes
 * from, the plots of that run to show and the checks against the talk's values; and per scenario
 * the reduced size of {@code --quick}. The talks' values only annotate the report: none is an input
 * of the model.
 */
public final class TalkCatalogue {
  static final String RESOURCE = "reproduce/talks.json";

  /**
   * A check of a figure: the simulated {@code value} within [{@code low}, {@code high}], or {@code
   * below} / {@code above} another value.
   */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record Check(
      String quantity,
      String label,
      String value,
      Double low,
      Double high,
      String below,
      String above,
      String unit,
      String source) {
    public Check {
      if (quantity == null || value == null) {
        throw new IllegalArgumentException("a check needs quantity and value");
      }
      int kinds = (low != null ? 1 : 0) + (below != null ? 1 : 0) + (above != null ? 1 : 0);
      if (kinds != 1) {
        throw new IllegalArgumentException(
            "check '" + quantity + "' needs exactly one of low/high, below, above");
      }
      high = low != null && high == null ? low : high;
      label = label == null ? quantity : label;
      unit = unit == null ? "" : unit;
      source = source == null ? "" : source;
    }

    public boolean isBand() {
      return low != null;
    }
  }

  /** A bar plot made from one numeric column of a run's table, a bar per row. */
  public record Bars(String table, String column, String title, String yAxis) {}

  /** One figure of a talk, reproduced by one bundled scenario. */
  public record Figure(
      String id,
      String title,
      String scenario,
      List<String> plots,
      List<Bars> bars,
      Boolean scenarioBands,
      String talk,
      List<Check> checks) {
    public Figure {
      plots = plots == null ? List.of() : List.copyOf(plots);
      bars = bars == null ? List.of() : List.copyOf(bars);
      scenarioBands = scenarioBands == null || scenarioBands;
      talk = talk == null ? "" : talk;
      checks = checks == null ? List.of() : List.copyOf(checks);
    }
  }

  /** A talk: its seed id ("003"), a slug, other names, and its figures. */
  public record Talk(
      String id,
      String slug,
      List<String> aliases,
      String title,
      String source,
      List<Figure> figures,
      List<String> notBundled) {
    public Talk {
      aliases = aliases == null ? List.of() : List.copyOf(aliases);
      figures = figures == null ? List.of() : List.copyOf(figures);
      notBundled = notBundled == null ? List.of() : List.copyOf(notBundled);
    }

    /** Every name that selects this talk, in lower case. */
    public List<String> names() {
      List<String> out = new ArrayList<>(List.of(id, slug));
      out.addAll(aliases);
      return out.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = false)
  record Document(String about, Map<String, List<String>> quick, List<Talk> talks) {}

  private final List<Talk> talks;
  private final Map<String, List<String>> quick;

  private TalkCatalogue(Document d) {
    this.talks = List.copyOf(d.talks());
    this.quick = d.quick() == null ? Map.of() : d.quick();
  }

  /** The catalogue shipped with vsim. */
  public static TalkCatalogue load() {
    try (InputStream in = TalkCatalogue.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      ObjectMapper m = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
      return new TalkCatalogue(m.readValue(in, Document.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public List<Talk> talks() {
    return talks;
  }

  /**
   * The reduced-size {@code --set}s of a scenario for {@code --quick}; {@code {vm}} in a pointer
   * stands for each VM of the configuration.
   */
  public List<String> quickSets(String scenario) {
    return quick.getOrDefault(scenario, List.of());
  }

  /**
   * The talks named, in the catalogue's order (all of them when none is named); a name is a talk's
   * id, slug or alias, in any case.
   *
   * @throws IllegalArgumentException for an unknown name, with the closest known names
   */
  public List<Talk> select(List<String> names) {
    if (names == null || names.isEmpty()) {
      return talks;
    }
    LinkedHashSet<Talk> chosen = new LinkedHashSet<>();
    for (String name : names) {
      String n = name.toLowerCase(Locale.ROOT);
      Talk found = null;
      for (Talk t : talks) {
        if (t.names().contains(n)) {
          found = t;
        }
      }
      if (found == null) {
        throw new IllegalArgumentException(unknown(name));
      }
      chosen.add(found);
    }
    return talks.stream().filter(chosen::contains).toList();
  }

  /** "unknown talk "x"; did you mean y? (known: ...)". */
  String unknown(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    int best = Integer.MAX_VALUE;
    List<String> close = new ArrayList<>();
    for (Talk t : talks) {
      for (String known : t.names()) {
        int d = Registry.distance(n, known);
        if (d > Math.max(2, known.length() / 3)) {
          continue;
        }
        if (d < best) {
          best = d;
          close.clear();
        }
        if (d == best && !close.contains(known)) {
          close.add(known);
        }
      }
    }
    StringBuilder m = new StringBuilder("unknown talk \"").append(name).append('"');
    if (!close.isEmpty()) {
      m.append("; did you mean ").append(String.join(" or ", close)).append('?');
    }
    Map<String, String> known = new LinkedHashMap<>();
    talks.forEach(t -> known.put(t.id(), t.slug()));
    List<String> shown = new ArrayList<>();
    known.forEach((id, slug) -> shown.add(id + " (" + slug + ")"));
    m.append(" (known: ").append(String.join(", ", shown)).append(')');
    return m.toString();
  }
}
