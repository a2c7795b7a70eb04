package dev.vsim.scenarios.cli;

import static dev.vsim.scenarios.cli.VsimInProcess.vsim;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.scenarios.cli.VsimInProcess.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's contract: exit codes, files written, messages without stack traces. */
class VsimCommandTest {
  @TempDir Path tmp;

  @Test
  void runWritesACompleteResultsDirectory() throws Exception {
    Path dir = tmp.resolve("out");
    Outcome o =
        vsim("run", "vmexit", "-o", dir.toString(), "-q", "--set", "/vms/0/workload/iterations=50");
    assertEquals(0, o.code(), o.err());
    for (String f :
        new String[] {
          "result.json", "summary.md", "scenario.resolved.json", "run-info.json", "tables/exits.csv"
        }) {
      assertTrue(Files.isRegularFile(dir.resolve(f)), f);
    }
    String result = Files.readString(dir.resolve("result.json"));
    assertTrue(result.contains("\"schemaVersion\" : 2"), result);
    assertTrue(result.contains("\"vm0.vcpu0.exits.cpuid.count\" : 50"), result);
    assertTrue(result.contains("\"8-vcpus\""), "variants are in result.json");
    String resolved = Files.readString(dir.resolve("scenario.resolved.json"));
    assertTrue(resolved.contains("\"loopCycles\" : 8"), "defaults are filled in");
    assertTrue(resolved.contains("\"resolvedProfile\""), "the profile used is recorded");
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(1, s.count(), "no partial directory is left beside the result");
    }
  }

  @Test
  void runRefusesANonEmptyOutputDirectoryBeforeSimulating() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("taken"));
    Files.writeString(dir.resolve("keep.txt"), "mine");
    Outcome o =
        vsim("run", "vmexit", "-o", dir.toString(), "-q", "--set", "/vms/0/workload/iterations=5");
    assertEquals(2, o.code(), "a usage error");
    assertTrue(o.err().contains("exists and is not empty; choose another -o"), o.err());
    assertFalse(o.out().contains("simulated in"), "refused before the simulation");
    assertEquals("mine", Files.readString(dir.resolve("keep.txt")));
  }

  @Test
  void badScenarioExitsWithTwoAndAPositionNotAStackTrace() throws Exception {
    Path f = tmp.resolve("bad.json");
    Files.writeString(f, "{\n  \"name\": \"x\",\n  \"vms\": [{\"vcpu\": 1}]\n}\n");
    Outcome o = vsim("validate", f.toString());
    assertEquals(2, o.code());
    assertEquals(
        f + ":3:12: unknown key \"vcpu\"; did you mean \"vcpus\"? (at /vms/0/vcpu)\n", o.err());
    Outcome r = vsim("run", f.toString(), "-o", tmp.resolve("never").toString());
    assertEquals(2, r.code());
    assertFalse(r.err().contains("Exception"), r.err());
    assertFalse(Files.exists(tmp.resolve("never")));
  }

  @Test
  void validateAcceptsEveryBundledScenarioWithItsVariants() {
    Outcome o = vsim("validate", "vmexit");
    assertEquals(0, o.code(), o.err());
    assertEquals("vmexit: valid (2 configuration(s): base, 8-vcpus)\n", o.out());
  }

  @Test
  void unknownOptionIsAUsageError() {
    Outcome o = vsim("run", "vmexit", "--frobnicate");
    assertEquals(2, o.code());
    assertTrue(o.err().startsWith("vsim: Unknown option: '--frobnicate'"), o.err());
  }

  @Test
  void profilesListsAndShowsSources() {
    Outcome list = vsim("profiles");
    assertEquals(0, list.code());
    assertTrue(list.out().startsWith("xeon-gold-6142"), list.out());
    Outcome show = vsim("profiles", "xeon-gold-6142");
    assertEquals(0, show.code());
    assertTrue(show.out().contains("2 sockets x 16 cores x 2 threads = 64 hardware threads"));
    assertTrue(show.out().contains("/tlb/stlb/entries"), show.out());
  }

  @Test
  void compareGivesRatiosBetweenVariants() throws Exception {
    Path dir = tmp.resolve("cmp");
    assertEquals(
        0,
        vsim("run", "vmexit", "-o", dir.toString(), "-q", "--set", "/vms/0/workload/iterations=20")
            .code());
    Outcome o = vsim("compare", dir.toString(), "-m", "sim.events");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("| metric | base | 8-vcpus | 8-vcpus/base |"), o.out());
    // Asked for, configurations are rows: each value with its ratio to the baseline.
    Outcome rows = vsim("compare", dir.toString(), "-m", "sim.events", "--rows", "configurations");
    assertEquals(0, rows.code(), rows.err());
    assertTrue(rows.out().startsWith("| configuration | sim.events |\n"), rows.out());
    assertTrue(rows.out().contains("| base (baseline) | "), rows.out());
    assertTrue(
        rows.out().matches("(?s).*\\| 8-vcpus \\| [0-9,]+ \\(x[0-9.]+\\) \\|.*"), rows.out());
  }

  @Test
  void compareTurnsManyConfigurationsIntoRows() throws Exception {
    Path dir = tmp.resolve("many");
    assertEquals(
        0,
        vsim(
                "run",
                "ept-fault-designs",
                "-o",
                dir.toString(),
                "-q",
                "--set",
                "/vms/0/memory=64MiB",
                "--set",
                "/vms/0/vcpus=2")
            .code());
    Outcome o = vsim("compare", dir.toString(), "-m", "sim.*", "-m", "vm0.dirtier.median*");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().startsWith("| configuration | "), o.out());
    for (String c : List.of("base (baseline)", "tdp-mmu-4k", "prepopulated-2m", "prefault-2m")) {
      assertTrue(o.out().contains("| " + c + " |"), c + " in\n" + o.out());
    }
  }

  @Test
  void pluginsListsEveryPlugPointWithEachNamesDoc() {
    Outcome all = vsim("plugins");
    assertEquals(0, all.code(), all.err());
    for (String point :
        new String[] {
          "tlb-replacement-policy: ", "cache-replacement-policy: ", "idle-governor: ", "ipi-mode: "
        }) {
      assertTrue(all.out().contains(point), point + " in\n" + all.out());
    }
    assertTrue(all.out().contains("  bit-plru  pseudo-LRU with one MRU bit per way"), all.out());
    assertTrue(all.out().contains("  menu     Linux's menu governor"), all.out());
    Outcome one = vsim("plugins", "ipi-mode");
    assertEquals(0, one.code(), one.err());
    assertEquals(
        "ipi-mode: how the guest's APIC driver sends an IPI to a set of CPUs\n"
            + "  physical  x2APIC physical destination mode: one ICR write (one exit) per"
            + " destination CPU\n"
            + "  cluster   x2APIC cluster (logical) mode: one ICR write per cluster of up to 16"
            + " CPUs (Linux's x2APIC default)\n"
            + "  pv        KVM PV IPIs: one KVM_HC_SEND_IPI hypercall per 128 consecutive APIC"
            + " IDs\n",
        one.out().replace(System.lineSeparator(), "\n"));
  }

  @Test
  void pluginsAnswersAMisspeltPlugPointWithADidYouMean() {
    Outcome o = vsim("plugins", "idle-governer");
    assertEquals(2, o.code());
    assertTrue(
        o.err()
            .startsWith(
                "vsim plugins: unknown plug point \"idle-governer\"; did you mean"
                    + " idle-governor? (known: workload, paging-mode, fault-design, host-scheduler,"
                    + " tlb-replacement-policy, cache-replacement-policy, idle-governor, ipi-mode)"),
        o.err());
    assertEquals("", o.out());
  }

  /** A killed run's partial directory has a result.json but is refused, with the reason. */
  @Test
  void compareRefusesThePartialResultsOfAKilledRun() throws Exception {
    Path partial = tmp.resolve(".out.partial-12345");
    Files.createDirectories(partial);
    Files.writeString(partial.resolve("result.json"), "{\"schemaVersion\": 2}");
    Outcome o = vsim("compare", partial.toString());
    assertEquals(2, o.code());
    assertEquals(
        "vsim: "
            + partial
            + " holds the partial results of an interrupted run; compare complete ones\n",
        o.err());
  }

  /** A results place that cannot be made is refused before simulating, with the system's words. */
  @Test
  void anOutputUnderAFileIsRefusedBeforeSimulating() throws Exception {
    Path out = Files.writeString(tmp.resolve("a-file"), "x").resolve("out");
    Outcome o = vsim("run", "vmexit", "-q", "-o", out.toString());
    assertEquals(2, o.code());
    assertEquals(
        "vsim: cannot write results to "
            + out
            + ": Not a directory: "
            + out
            + "; choose another -o\n",
        o.err());
    assertEquals("", o.out()); // nothing was simulated
  }
}
