package dev.vsim.scenarios.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vsim.cpu.power.IdleGovernors;
import dev.vsim.scenarios.json.Origin;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.json.SourceDocument;
import dev.vsim.scenarios.json.SourceMap;
import dev.vsim.scenarios.json.StrictJson;
import dev.vsim.scenarios.model.DirtyLogPerfWorkloadSpec;
import dev.vsim.scenarios.model.HypervisorSpec;
import dev.vsim.scenarios.model.Scenario;
import dev.vsim.scenarios.profiles.ProfileRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Turns a scenario file into the configurations to run: the base, then each variant in file order,
 * every one with the command line's {@code --set} values applied last, bound strictly and with its
 * hardware profile resolved.
 */
public final class ScenarioLoader {
  private static final String VARIANTS = "variants";

  private final StrictJson json = new StrictJson();
  private final ProfileRegistry profiles = new ProfileRegistry(json);

  public StrictJson json() {
    return json;
  }

  public ProfileRegistry profiles() {
    return profiles;
  }

  /**
   * Loads a scenario by path, or a bundled scenario by name ({@code vmexit} or {@code vmexit.json})
   * when no such file exists.
   */
  public List<RunPlan> load(String fileOrName, List<String> sets, List<String> onlyVariants)
      throws ScenarioException {
    return load(fileOrName, readText(fileOrName), sets, onlyVariants);
  }

  /**
   * The text of a scenario file by path, or of a bundled scenario by name when no such file exists;
   * strict UTF-8 of at most 1 MiB.
   */
  public static String readText(String fileOrName) throws ScenarioException {
    Path path = Path.of(fileOrName);
    String text;
    try {
      text = read(fileOrName, path);
    } catch (NoSuchFileException e) {
      if (path.getParent() != null) {
        Path dir = path.getParent();
        String why =
            Files.isDirectory(dir)
                ? "no such file"
                : "no such file: directory " + dir + " does not exist";
        throw new ScenarioException(
            fileOrName, 0, 0, null, why + " (a bundled scenario is named without a directory)");
      }
      text =
          BundledScenarios.read(path.getFileName().toString())
              .orElseThrow(
                  () ->
                      new ScenarioException(
                          fileOrName,
                          0,
                          0,
                          null,
                          "no such file (and no bundled scenario of that name; see vsim"
                              + " scenarios)"));
    } catch (IOException e) {
      throw new ScenarioException(fileOrName, 0, 0, null, "cannot read: " + e.getMessage());
    }
    return text;
  }

  /** The largest scenario file read: 1 MiB. */
  static final int MAX_BYTES = 1 << 20;

  /** Reads at most {@link #MAX_BYTES} of strict UTF-8; a bad byte is reported at its position. */
  private static String read(String file, Path path) throws IOException, ScenarioException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(path)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    }
    if (bytes.length > MAX_BYTES) {
      throw new ScenarioException(
          file, 0, 0, null, "the file is larger than 1MiB; a scenario is far smaller: is it one?");
    }
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = d.decode(in, out, true);
    if (r.isError()) {
      String before = out.flip().toString();
      int line = 1;
      int column = 1;
      for (int i = 0; i < before.length(); i++) {
        if (before.charAt(i) == '\n') {
          line++;
          column = 1;
        } else if (!Character.isLowSurrogate(before.charAt(i))) {
          column++;
        }
      }
      throw new ScenarioException(
          file,
          line,
          column,
          null,
          String.format(
              "byte 0x%02X is not UTF-8; save the file as UTF-8", bytes[in.position()] & 0xff));
    }
    d.flush(out);
    return out.flip().toString();
  }

  /** One configuration's tree, variants removed, with where each of its values was written. */
  public record ConfigurationTree(ObjectNode root, SourceMap sources) {}

  /**
   * The tree of one configuration of a parsed scenario: the base with {@code variant}'s overrides
   * applied ({@code "base"} or null for the base itself), not yet bound.
   *
   * @param asked where the variant was asked for, for the error when the scenario has no such one
   */
  public ConfigurationTree configurationTree(SourceDocument doc, String variant, Origin asked)
      throws ScenarioException {
    ObjectNode tree = doc.root().deepCopy();
    JsonNode variants = tree.remove(VARIANTS);
    SourceMap sources = doc.sources().copy();
    if (variant != null && !variant.equals(RunPlan.BASE)) {
      if (variants == null || !variants.isObject() || !variants.has(variant)) {
        List<String> names = new ArrayList<>();
        names.add(RunPlan.BASE);
        if (variants != null && variants.isObject()) {
          variants.fieldNames().forEachRemaining(names::add);
        }
        throw ScenarioException.at(
            asked,
            null,
            "no variant \""
                + variant
                + "\" in "
                + doc.file()
                + "; it has: "
                + String.join(", ", names));
      }
      json.applyOverrides(tree, variants.get(variant), "/" + VARIANTS + "/" + variant, sources);
    }
    return new ConfigurationTree(tree, sources);
  }

  /** Loads a scenario from its text; {@code file} names it in error messages. */
  public List<RunPlan> load(String file, String text, List<String> sets, List<String> only)
      throws ScenarioException {
    SourceDocument doc = json.parse(file, text);
    ObjectNode base = doc.root().deepCopy();
    JsonNode variants = base.remove(VARIANTS);
    List<RunPlan> plans = new ArrayList<>();
    List<String> names = new ArrayList<>();
    names.add(RunPlan.BASE);
    if (variants != null) {
      if (!variants.isObject() || variants.isEmpty()) {
        throw ScenarioException.at(
            doc.sources().locate("/" + VARIANTS),
            "/" + VARIANTS,
            "variants must be an object of named overrides, e.g. {\"8-vcpus\": {\"/vms/0/vcpus\":"
                + " 8}}");
      }
      Iterator<String> it = variants.fieldNames();
      while (it.hasNext()) {
        String name = it.next();
        Origin at = doc.sources().locateName("/" + VARIANTS + "/" + name);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*") || name.equals(RunPlan.BASE)) {
          throw ScenarioException.at(
              at,
              "/" + VARIANTS + "/" + name,
              "variant name \""
                  + name
                  + "\" must use letters, digits, '.', '_' or '-' and not be \"base\"");
        }
        names.add(name);
      }
    }
    for (String o : only) {
      if (!names.contains(o)) {
        throw new ScenarioException(
            "--variant " + o,
            0,
            0,
            null,
            "no variant \"" + o + "\" in " + file + "; it has: " + String.join(", ", names));
      }
    }
    for (String name : names) {
      if (!only.isEmpty() && !only.contains(name)) {
        continue;
      }
      ObjectNode tree = base.deepCopy();
      SourceMap sources = doc.sources().copy();
      if (!name.equals(RunPlan.BASE)) {
        String at = "/" + VARIANTS + "/" + name;
        json.applyOverrides(tree, variants.get(name), at, sources);
      }
      for (String s : sets) {
        json.applySet(tree, s, sources);
      }
      plans.add(plan(name, tree, sources));
    }
    return plans;
  }

  /**
   * Binds one configuration's tree (overrides already applied) strictly and resolves its profile;
   * errors are reported where {@code sources} says each value was written.
   */
  public RunPlan plan(String name, ObjectNode tree, SourceMap sources) throws ScenarioException {
    Scenario s = json.bind(tree, sources, Scenario.class);
    ProfileRegistry.Resolved p =
        profiles.resolve(
            s.host().profile(), "/host/profile", s.host().overrides(), "/host/overrides", sources);
    checkHost(s, p, sources);
    new TimeRange(p.profile().frequency().baseHz(), p.profile().name()).check(s, sources);
    checkComposition(s, sources);
    return new RunPlan(name, s, p.profile(), p.tree());
  }

  /**
   * Combinations of paging mode, fault design, host scheduler, power model and workloads that mean
   * nothing together, refused with the position of the setting that does not fit.
   */
  private static void checkComposition(Scenario s, SourceMap sources) throws ScenarioException {
    HypervisorSpec hv = s.hypervisor();
    if (hv.paging() == HypervisorSpec.Paging.SHADOW) {
      String conflict = hv.design().shadowPagingConflict();
      if (conflict != null) {
        String at = "/hypervisor/faultDesign";
        throw ScenarioException.at(sources.locate(at), at, conflict);
      }
    }
    if (hv.paging() == HypervisorSpec.Paging.NATIVE && hv.faultDesign().equals("prefault")) {
      String at = "/hypervisor/faultDesign";
      throw ScenarioException.at(
          sources.locate(at),
          at,
          "KVM_PRE_FAULT_MEMORY maps EPT tables, and native paging has none: use \"paging\":"
              + " \"ept\" or another faultDesign");
    }
    java.util.Map<String, Integer> names = new java.util.HashMap<>();
    for (int i = 0; i < s.vms().size(); i++) {
      // A VM's name prefixes its statistics: two VMs of one name would share them.
      Integer other = names.putIfAbsent(s.vms().get(i).nameOr(i), i);
      if (other != null) {
        String at = "/vms/" + i + (s.vms().get(i).name() != null ? "/name" : "");
        throw ScenarioException.at(
            sources.locate(at),
            at,
            "VM "
                + i
                + " has the name \""
                + s.vms().get(i).nameOr(i)
                + "\" of VM "
                + other
                + " (a VM without a name is vm<index>); give each VM its own name");
      }
    }
    for (int i = 0; i < s.vms().size(); i++) {
      if (!(s.vms().get(i).workload() instanceof DirtyLogPerfWorkloadSpec)) {
        continue;
      }
      if (hv.paging() != HypervisorSpec.Paging.EPT) {
        String at = "/vms/" + i + "/workload/type";
        throw ScenarioException.at(
            sources.locate(at),
            at,
            "dirty_log_perf_test logs dirty pages in EPT: it needs \"paging\": \"ept\"");
      }
      if (hv.dirtyLogging() != null) {
        String at = "/hypervisor/dirtyLogging";
        throw ScenarioException.at(
            sources.locate(at),
            at,
            "the dirty-log-perf workload enables, gets, clears and disables dirty logging itself:"
                + " remove \"dirtyLogging\" (the migration thread)");
      }
    }
    if (hv.paging() != HypervisorSpec.Paging.EPT && hv.dirtyLogging() != null) {
      String at = "/hypervisor/dirtyLogging";
      throw ScenarioException.at(
          sources.locate(at),
          at,
          "dirty logging tracks writes in EPT: it needs \"paging\": \"ept\"");
    }
    if (hv.paging() == HypervisorSpec.Paging.NATIVE && !hv.hostScheduler().equals("none")) {
      String at = "/hypervisor/hostScheduler";
      throw ScenarioException.at(
          sources.locate(at),
          at,
          "native paging runs the guest on the bare machine: there are no vCPU threads to"
              + " schedule; use \"hostScheduler\": \"none\"");
    }
    for (int i = 0; i < s.vms().size(); i++) {
      if (s.vms().get(i).workload().needsPowerModel() && s.host().idleGovernor() == null) {
        String at = "/vms/" + i + "/workload/type";
        throw ScenarioException.at(
            sources.locate(at),
            at,
            "this workload reads the pCPUs' C-states and turbo frequency: model them with"
                + " \"host\": {\"idleGovernor\": \"menu\"}");
      }
    }
  }

  /** Checks that need the scenario and its profile together. */
  private static void checkHost(Scenario s, ProfileRegistry.Resolved p, SourceMap sources)
      throws ScenarioException {
    String governor = s.host().idleGovernor();
    if (governor != null && !IdleGovernors.REGISTRY.contains(governor)) {
      String at = "/host/idleGovernor";
      throw ScenarioException.at(sources.locate(at), at, IdleGovernors.REGISTRY.unknown(governor));
    }
    int vcpus = s.vms().stream().mapToInt(vm -> vm.vcpus()).sum();
    int threads = p.profile().hardwareThreads();
    if (vcpus > threads && s.hypervisor().hostScheduler().equals("none")) {
      // Blamed on the vcpus of the VM that has the most (where a --set gave them, the --set).
      int most = 0;
      for (int i = 1; i < s.vms().size(); i++) {
        if (s.vms().get(i).vcpus() > s.vms().get(most).vcpus()) {
          most = i;
        }
      }
      String at = "/vms/" + most + "/vcpus";
      throw ScenarioException.at(
          sources.locate(at),
          at,
          "the VMs have "
              + vcpus
              + " vCPUs but host \""
              + p.profile().name()
              + "\" has "
              + threads
              + " hardware threads; without a host scheduler each vCPU runs on its own hardware"
              + " thread: set \"hypervisor\": {\"hostScheduler\": \"cfs\"} to overcommit");
    }
  }
}
