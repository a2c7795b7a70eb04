package dev.vsim.scenarios.profiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.scenarios.json.SourceDocument;
import dev.vsim.scenarios.json.StrictJson;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileRegistryTest {
  private final ProfileRegistry registry = new ProfileRegistry(new StrictJson());

  @Test
  void everyParameterOfEveryProfileHasASource() throws Exception {
    for (String name : registry.names()) {
      SourceDocument d = registry.document(name);
      HardwareProfile p = registry.bind(d.root(), d.sources());
      List<String> leaves = new ArrayList<>(ProfileRegistry.parameters(d.root()).keySet());
      leaves.remove("/tlb/replacement"); // a name, not a number
      List<String> missing =
          leaves.stream().filter(l -> p.sources().getOrDefault(l, "").isBlank()).toList();
      assertEquals(List.of(), missing, name + ": parameters without a source");
      List<String> stale =
          p.sources().keySet().stream().filter(k -> !leaves.contains(k)).sorted().toList();
      assertEquals(List.of(), stale, name + ": sources for parameters that do not exist");
    }
  }

  @Test
  void seedHostsHaveTheTalksShape() throws Exception {
    assertEquals(64, registry.load("xeon-gold-6142").hardwareThreads());
    assertEquals(2_600_000_000L, registry.load("xeon-gold-6142").frequency().baseHz());
    assertEquals(80, registry.load("xeon-skylake-80t").hardwareThreads());
    assertEquals(2_500_000_000L, registry.load("xeon-skylake-80t").frequency().baseHz());
    // Seed 001's idle experiment: one package of 4 cores, CPU n and n + 4 siblings.
    HardwareProfile desktop = registry.load("core-i7-4770");
    assertEquals(8, desktop.hardwareThreads());
    assertEquals(1, desktop.topology().sockets());
    assertEquals(List.of("C1", "C1E", "C3", "C6", "C7s"), desktop.power().coreStateNames());
    assertEquals(List.of("PC2", "PC3", "PC6", "PC7"), desktop.power().packageStateNames());
  }

  @Test
  void skylakeTlbGeometryFromTheOptimizationManual() throws Exception {
    var tlb = registry.load("xeon-gold-6142").tlb();
    assertEquals(64, tlb.l1d4k().entries());
    assertEquals(16, tlb.l1d4k().sets());
    assertEquals(128, tlb.stlb().sets());
    assertTrue(tlb.stlb1g().entries() == 16);
  }

  /** The per-structure replacement policies may be left out: today's policies, as before. */
  @Test
  void replacementPoliciesMayBeOmittedPerStructure() throws Exception {
    HardwareProfile p = registry.load("xeon-gold-6142");
    assertEquals("lru", p.tlb().replacement());
    assertEquals(null, p.tlb().stlb().replacement(), "the hierarchy's");
    assertEquals("lru", p.tlb().stlb().replacementOr(p.tlb().replacement()));
    assertEquals(null, p.pagingStructureCaches().pde().replacement(), "the TLBs'");
    assertEquals("lru", p.caches().l2().replacement());
  }

  @Test
  void aStructureNamesItsOwnPolicyInAnOverride() throws Exception {
    StrictJson json = new StrictJson();
    SourceDocument scenario =
        json.parse(
            "t.json",
            "{\"tlb\": {\"stlb\": {\"replacement\": \"bit-plru\"}},"
                + " \"/pagingStructureCaches/pde/replacement\": \"random\","
                + " \"caches\": {\"llc\": {\"replacement\": \"random\"}}}");
    HardwareProfile p =
        registry
            .resolve("xeon-gold-6142", "/profile", scenario.root(), "", scenario.sources())
            .profile();
    assertEquals("bit-plru", p.tlb().stlb().replacement());
    assertEquals(null, p.tlb().l1d4k().replacement());
    assertEquals("random", p.pagingStructureCaches().pde().replacement());
    assertEquals(null, p.pagingStructureCaches().eptPde().replacement());
    assertEquals("random", p.caches().llc().replacement());
    assertEquals("lru", p.caches().l1d().replacement());
  }
}
