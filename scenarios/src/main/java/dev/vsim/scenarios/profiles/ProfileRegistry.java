package dev.vsim.scenarios.profiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.scenarios.json.Origin;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.json.SourceDocument;
import dev.vsim.scenarios.json.SourceMap;
import dev.vsim.scenarios.json.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The bundled hardware profiles ({@code profiles/*.json} in the jar), by name. A profile file must
 * be complete: every parameter present, with its source in {@code "sources"}.
 */
public final class ProfileRegistry {
  private static final String DIR = "profiles/";

  private final StrictJson json;

  public ProfileRegistry(StrictJson json) {
    this.json = json;
  }

  /** Names of every bundled profile, in the order of the index. */
  public List<String> names() {
    return text(DIR + "index.txt")
        .lines()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .toList();
  }

  /** The parsed profile document of this name (not yet bound, so overrides can be applied). */
  public SourceDocument document(String name) throws ScenarioException {
    return document(name, new Origin("vsim", 0, 0), null);
  }

  private SourceDocument document(String name, Origin referencedAt, String pointer)
      throws ScenarioException {
    if (!names().contains(name)) {
      throw ScenarioException.at(
          referencedAt,
          pointer,
          "unknown hardware profile \"" + name + "\"; known: " + String.join(", ", names()));
    }
    String file = DIR + name + ".json";
    return json.parse(file, text(file));
  }

  /** Binds a profile tree; every field must be present. */
  public HardwareProfile bind(JsonNode tree, SourceMap sources) throws ScenarioException {
    return json.bindComplete(tree, sources, HardwareProfile.class);
  }

  /** Loads a bundled profile as it is. */
  public HardwareProfile load(String name) throws ScenarioException {
    SourceDocument d = document(name);
    return bind(d.root(), d.sources());
  }

  /**
   * Loads a profile with a scenario's overrides applied; errors in an override are reported at the
   * override's position in the scenario file.
   */
  public Resolved resolve(
      String name,
      String namePointer,
      JsonNode overrides,
      String overridesPointer,
      SourceMap scenarioSources)
      throws ScenarioException {
    SourceDocument d = document(name, scenarioSources.locate(namePointer), namePointer);
    ObjectNode tree = d.root().deepCopy();
    SourceMap sources = d.sources().copy();
    json.applyOverrides(tree, sources, overrides, overridesPointer, scenarioSources);
    return new Resolved(bind(tree, sources), tree);
  }

  /**
   * Every parameter of a profile document by JSON pointer, in file order, with its value as written
   * (the name, description and sources are not parameters).
   */
  public static java.util.LinkedHashMap<String, String> parameters(JsonNode profile) {
    java.util.LinkedHashMap<String, String> out = new java.util.LinkedHashMap<>();
    collect(profile, "", out);
    return out;
  }

  private static void collect(JsonNode n, String pointer, java.util.Map<String, String> out) {
    var it = n.fields();
    while (it.hasNext()) {
      var e = it.next();
      String p = pointer + "/" + e.getKey();
      if (p.equals("/sources") || p.equals("/name") || p.equals("/description")) {
        continue;
      }
      if (e.getValue().isObject()) {
        collect(e.getValue(), p, out);
      } else {
        out.put(p, e.getValue().asText());
      }
    }
  }

  /** A profile after overrides, with the tree it was bound from (for the resolved scenario). */
  public record Resolved(HardwareProfile profile, ObjectNode tree) {}

  private static String text(String path) {
    try (InputStream in = ProfileRegistry.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("resource " + path + " is missing from the build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
