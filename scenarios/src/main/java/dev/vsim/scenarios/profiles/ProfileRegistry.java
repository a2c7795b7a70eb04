package dev.vsim.scenarios.profiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vsim.cpu.cache.CacheReplacementPolicies;
import dev.vsim.cpu.profile.CacheLevel;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.profile.PagingStructureCaches;
import dev.vsim.cpu.profile.TlbHierarchy;
import dev.vsim.cpu.profile.TlbLevel;
import dev.vsim.cpu.registry.Registry;
import dev.vsim.mmu.tlb.ReplacementPolicies;
import dev.vsim.scenarios.json.Origin;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.json.SourceDocument;
import dev.vsim.scenarios.json.SourceMap;
import dev.vsim.scenarios.json.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    HardwareProfile p = bind(d.root(), d.sources());
    checkReplacement(p, d.sources(), d.sources().file(), null);
    return p;
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
    HardwareProfile profile = bind(tree, sources);
    checkReplacement(profile, sources, d.sources().file(), overridesPointer);
    checkSets(profile, sources, d.sources().file(), overridesPointer);
    return new Resolved(profile, tree, sources);
  }

  /**
   * Checks the replacement policy every TLB level, paging-structure cache and data cache level
   * uses: a known name, and no more ways than it supports. A name written in the scenario's
   * overrides is reported there, under {@code overridesPointer}; one in the profile file there.
   */
  private static void checkReplacement(
      HardwareProfile p, SourceMap sources, String profileFile, String overridesPointer)
      throws ScenarioException {
    var tlbPolicies = ReplacementPolicies.REGISTRY;
    String fallback = p.tlb().replacement();
    checkName(tlbPolicies, fallback, "/tlb/replacement", sources, profileFile, overridesPointer);
    TlbHierarchy t = p.tlb();
    PagingStructureCaches c = p.pagingStructureCaches();
    Map<String, TlbLevel> tlbs = new LinkedHashMap<>();
    tlbs.put("/tlb/l1d4k", t.l1d4k());
    tlbs.put("/tlb/l1d2m", t.l1d2m());
    tlbs.put("/tlb/l1d1g", t.l1d1g());
    tlbs.put("/tlb/stlb", t.stlb());
    tlbs.put("/tlb/stlb1g", t.stlb1g());
    tlbs.put("/pagingStructureCaches/pml4e", c.pml4e());
    tlbs.put("/pagingStructureCaches/pdpte", c.pdpte());
    tlbs.put("/pagingStructureCaches/pde", c.pde());
    tlbs.put("/pagingStructureCaches/eptPml4e", c.eptPml4e());
    tlbs.put("/pagingStructureCaches/eptPdpte", c.eptPdpte());
    tlbs.put("/pagingStructureCaches/eptPde", c.eptPde());
    for (Map.Entry<String, TlbLevel> e : tlbs.entrySet()) {
      TlbLevel level = e.getValue();
      String at = level.replacement() != null ? e.getKey() + "/replacement" : "/tlb/replacement";
      String name = level.replacementOr(fallback);
      checkName(tlbPolicies, name, at, sources, profileFile, overridesPointer);
      checkWays(
          e.getKey(),
          ReplacementPolicies.waysProblem(name, level.ways()),
          at,
          sources,
          profileFile,
          overridesPointer);
    }
    Map<String, CacheLevel> caches = new LinkedHashMap<>();
    caches.put("/caches/l1d", p.caches().l1d());
    caches.put("/caches/l2", p.caches().l2());
    caches.put("/caches/llc", p.caches().llc());
    for (Map.Entry<String, CacheLevel> e : caches.entrySet()) {
      String at = e.getKey() + "/replacement";
      String name = e.getValue().replacement();
      checkName(
          CacheReplacementPolicies.REGISTRY, name, at, sources, profileFile, overridesPointer);
      checkWays(
          e.getKey(),
          CacheReplacementPolicies.waysProblem(name, e.getValue().ways()),
          at,
          sources,
          profileFile,
          overridesPointer);
    }
  }

  /** Checks that each data cache level's size and ways give a whole number of sets. */
  private static void checkSets(
      HardwareProfile p, SourceMap sources, String profileFile, String overridesPointer)
      throws ScenarioException {
    Map<String, CacheLevel> caches = new LinkedHashMap<>();
    caches.put("/caches/l1d", p.caches().l1d());
    caches.put("/caches/l2", p.caches().l2());
    caches.put("/caches/llc", p.caches().llc());
    int lineBytes = p.caches().lineBytes();
    for (Map.Entry<String, CacheLevel> e : caches.entrySet()) {
      CacheLevel c = e.getValue();
      long lines = c.size().bytes() / lineBytes;
      if (lines == 0 || lines % c.ways() != 0) {
        String size = e.getKey() + "/size";
        boolean sizeChanged =
            !sources.locate(size).file().equals(profileFile)
                && sources.locate(e.getKey() + "/ways").file().equals(profileFile);
        throw at(
            sources,
            sizeChanged ? size : e.getKey() + "/ways",
            profileFile,
            overridesPointer,
            e.getKey().substring(1)
                + ": "
                + c.size()
                + " of "
                + lineBytes
                + "-byte lines is "
                + lines
                + " lines, which "
                + c.ways()
                + " ways do not divide into whole sets; use a number of ways that divides "
                + lines);
      }
    }
  }

  private static void checkName(
      Registry<?> registry,
      String name,
      String pointer,
      SourceMap sources,
      String profileFile,
      String overridesPointer)
      throws ScenarioException {
    if (!registry.contains(name)) {
      throw at(sources, pointer, profileFile, overridesPointer, registry.unknown(name));
    }
  }

  private static void checkWays(
      String structure,
      String problem,
      String pointer,
      SourceMap sources,
      String profileFile,
      String overridesPointer)
      throws ScenarioException {
    if (problem != null) {
      throw at(
          sources, pointer, profileFile, overridesPointer, structure.substring(1) + ": " + problem);
    }
  }

  private static ScenarioException at(
      SourceMap sources, String pointer, String profileFile, String overridesPointer, String msg) {
    Origin o = sources.locate(pointer);
    boolean inScenario = overridesPointer != null && !o.file().equals(profileFile);
    return ScenarioException.at(o, inScenario ? overridesPointer + pointer : pointer, msg);
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

  /**
   * A profile after overrides, with the tree it was bound from (for the resolved scenario) and
   * where each of its values was written (in the profile file, or in the scenario's overrides).
   */
  public record Resolved(HardwareProfile profile, ObjectNode tree, SourceMap sources) {}

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
