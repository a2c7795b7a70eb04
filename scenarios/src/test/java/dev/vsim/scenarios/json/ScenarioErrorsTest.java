package dev.vsim.scenarios.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.scenarios.run.ScenarioLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every class of scenario mistake is reported with its exact position and a message that says how
 * to fix it. Each scenario text below is laid out so that the positions can be read off it.
 */
class ScenarioErrorsTest {
  private final ScenarioLoader loader = new ScenarioLoader();

  /** A valid scenario with one VM whose body is {@code vm} (lines 4..). */
  private static String scenario(String vm) {
    return "{\n"
        + "  \"name\": \"t\",\n"
        + "  \"vms\": [\n"
        + "    {\n"
        + vm
        + "\n    }\n"
        + "  ]\n"
        + "}\n";
  }

  private static final String WORKLOAD = "      \"workload\": {\"type\": \"vmexit\"}";

  private String error(String text) {
    return error(text, List.of());
  }

  private String error(String text, List<String> sets) {
    ScenarioException e =
        assertThrows(ScenarioException.class, () -> loader.load("t.json", text, sets, List.of()));
    return e.getMessage();
  }

  /** A fuzzer's finding: a key with a newline in it split the message over lines. */
  @Test
  void aKeyWithControlCharactersIsQuotedOnOneLine() {
    assertEquals(
        "t.json:6:7: unknown key \"ov\\nr\\t\"; allowed keys: backing, cacheModel, guestPageSize,"
            + " hostPageSize, memory, memoryPolicy, name, pagingLevels, vcpus, workload (at /vms/0/ov\\nr\\t)",
        error(scenario("      \"name\": \"vm0\",\n      \"ov\\nr\\t\": 2,\n" + WORKLOAD)));
  }

  @Test
  void unknownKeySuggestsTheClosestKnownKey() {
    assertEquals(
        "t.json:6:7: unknown key \"vcpu\"; did you mean \"vcpus\"? (at /vms/0/vcpu)",
        error(scenario("      \"name\": \"vm0\",\n      \"vcpu\": 2,\n" + WORKLOAD)));
  }

  @Test
  void unknownKeyFarFromAnyListsTheAllowedKeys() {
    assertEquals(
        "t.json:6:7: unknown key \"zzzzzz\"; allowed keys: backing, cacheModel, guestPageSize, hostPageSize,"
            + " memory, memoryPolicy, name, pagingLevels, vcpus, workload (at /vms/0/zzzzzz)",
        error(scenario("      \"name\": \"vm0\",\n      \"zzzzzz\": 2,\n" + WORKLOAD)));
  }

  @Test
  void duplicateKeyNamesBothPositions() {
    assertEquals(
        "t.json:6:7: duplicate key \"vcpus\" (first written at line 5, column 7) (at"
            + " /vms/0/vcpus)",
        error(
            scenario("      \"vcpus\": 1,\n      \"vcpus\": 2,\n" + WORKLOAD)
                .replace("    {\n      \"vcpus\": 1", "    {\n      \"vcpus\": 1")));
  }

  @Test
  void trailingTokensAfterTheDocument() {
    assertEquals(
        "t.json:9:1: unexpected text after the end of the document; remove it",
        error(scenario(WORKLOAD) + "{}\n"));
  }

  @Test
  void nullIsRejectedWithTheFix() {
    assertEquals(
        "t.json:5:16: null is not allowed; leave the key out to get its default (at"
            + " /vms/0/vcpus)",
        error(scenario("      \"vcpus\": null,\n" + WORKLOAD)));
  }

  @Test
  void stringWhereAnIntegerIsExpected() {
    assertEquals(
        "t.json:5:16: expected an integer, got a string (at /vms/0/vcpus)",
        error(scenario("      \"vcpus\": \"8\",\n" + WORKLOAD)));
  }

  @Test
  void decimalWhereAnIntegerIsExpected() {
    assertEquals(
        "t.json:5:16: expected an integer, got 1.5 (at /vms/0/vcpus)",
        error(scenario("      \"vcpus\": 1.5,\n" + WORKLOAD)));
  }

  @Test
  void booleanWhereAnIntegerIsExpected() {
    assertEquals(
        "t.json:5:16: expected an integer, got a boolean (at /vms/0/vcpus)",
        error(scenario("      \"vcpus\": true,\n" + WORKLOAD)));
  }

  @Test
  void numberWhereAStringIsExpected() {
    assertEquals(
        "t.json:5:15: expected a string, got an integer (at /vms/0/name)",
        error(scenario("      \"name\": 7,\n" + WORKLOAD)));
  }

  @Test
  void objectWhereAnArrayIsExpected() {
    assertEquals(
        "t.json:3:10: expected an array, got an object (at /vms)",
        error("{\n  \"name\": \"t\",\n  \"vms\": {}\n}\n"));
  }

  @Test
  void decimalSizeUnitIsRejectedWithTheBinaryOne() {
    assertEquals(
        "t.json:5:17: size \"4KB\" uses an ambiguous unit; sizes are binary, write KiB (at"
            + " /vms/0/memory)",
        error(scenario("      \"memory\": \"4KB\",\n" + WORKLOAD)));
  }

  @Test
  void sizeWithoutUnit() {
    assertEquals(
        "t.json:5:17: a size needs a unit; write it as a string such as \"4KiB\", not the bare"
            + " number 4096 (at /vms/0/memory)",
        error(scenario("      \"memory\": 4096,\n" + WORKLOAD)));
  }

  @Test
  void badTimeUnit() {
    assertEquals(
        "t.json:2:21: unknown time unit \"min\" in \"10min\"; use cycles, ns, us, ms or s (at"
            + " /stop/after)",
        error(
            "{\n  \"stop\": {\"after\": \"10min\"},\n  \"name\": \"t\",\n  \"vms\": [{"
                + "\"workload\": {\"type\": \"vmexit\"}}]\n}\n"));
  }

  @Test
  void impossibleValueFromTheRecordsOwnCheck() {
    assertEquals(
        "t.json:5:16: vcpus must be between 1 and 1024, got 0 (at /vms/0/vcpus)",
        error(scenario("      \"vcpus\": 0,\n" + WORKLOAD)));
  }

  @Test
  void aFieldOfTheOtherShootdownPresetIsRejectedWithTheFieldsThatApply() {
    assertEquals(
        "t.json:5:19: record, touchesPerRecord and recordsPerUnmap are ebizzy's; the dedup"
            + " pipeline works on chunks (chunk, stageWork, queueDepth, threads, contextSwitch)"
            + " (at /vms/0/workload)",
        error(
            scenario(
                "      \"workload\": {\"type\": \"shootdown\", \"preset\": \"dedup\","
                    + " \"recordsPerUnmap\": 10}")));
    assertEquals(
        "t.json:5:19: chunk, stageWork, queueDepth, threads and contextSwitch are the dedup"
            + " pipeline's; ebizzy's threads work on records (record, touchesPerRecord,"
            + " recordsPerUnmap) (at /vms/0/workload)",
        error(scenario("      \"workload\": {\"type\": \"shootdown\", \"stageWork\": [\"1us\"]}")));
    assertEquals(
        "t.json:5:73: stageWork lists the 5 stages: Fragment, Refine, Deduplicate, Compress,"
            + " Reorder (at /vms/0/workload/stageWork)",
        error(
            scenario(
                "      \"workload\": {\"type\": \"shootdown\", \"preset\": \"dedup\","
                    + " \"stageWork\": [\"1us\"]}")));
  }

  @Test
  void unknownWorkloadTypeListsTheKnownOnes() {
    assertEquals(
        "t.json:5:28: unknown type \"vmexitt\"; use one of: vmexit, random-access,"
            + " dirtier, dirty-log-perf, demand-paging, ipi-bench, shootdown, cpu-bench (at /vms/0/workload/type)",
        error(scenario("      \"workload\": {\"type\": \"vmexitt\"}")));
  }

  @Test
  void unknownFaultDesignListsTheKnownOnes() {
    String text =
        "{\n  \"name\": \"t\",\n  \"hypervisor\": {\"faultDesign\": \"mmu-locks\"},\n"
            + "  \"vms\": [{\"workload\": {\"type\": \"dirtier\"}}]\n}\n";
    assertEquals(
        "t.json:3:33: faultDesign: unknown fault design \"mmu-locks\"; did you mean mmu-lock?"
            + " (known: mmu-lock, tdp-mmu, prepopulated, prefault) (at /hypervisor/faultDesign)",
        error(text));
  }

  @Test
  void aBackingWhosePagesAreNotTheHostPageSizeIsRejected() {
    assertEquals(
        "t.json:5:18: backing \"hugetlb-2m\" has 2MiB pages but hostPageSize is 4KiB"
            + " (at /vms/0/backing)",
        error(scenario("      \"backing\": \"hugetlb-2m\",\n" + WORKLOAD)));
  }

  @Test
  void missingWorkloadType() {
    assertEquals(
        "t.json:5:19: missing \"type\"; use one of: vmexit, random-access, dirtier, dirty-log-perf,"
            + " demand-paging, ipi-bench, shootdown, cpu-bench (at /vms/0/workload)",
        error(scenario("      \"workload\": {\"iterations\": 5}")));
  }

  @Test
  void badEnumValueListsTheAllowedOnes() {
    assertEquals(
        "t.json:5:48: unknown value \"cpuidd\"; use one of: cpuid, vmcall, self-ipi (at"
            + " /vms/0/workload/tests/0)",
        error(scenario("      \"workload\": {\"type\": \"vmexit\", \"tests\": [\"cpuidd\"]}")));
  }

  @Test
  void malformedJsonReportsWhereParsingStopped() {
    assertEquals(
        "t.json:3:1: unexpected end of file: the object opened at line 1, column 1 is not closed",
        error("{\n  \"name\": \"t\"\n"));
  }

  @Test
  void trailingCommaIsExplained() {
    assertEquals(
        "t.json:3:1: unexpected character ('}'): expected a key in double quotes (trailing"
            + " commas and comments are not allowed)",
        error("{\n  \"name\": \"t\",\n}\n"));
  }

  @Test
  void variantMistakeIsReportedWhereTheVariantWroteIt() {
    String text =
        "{\n"
            + "  \"name\": \"t\",\n"
            + "  \"vms\": [{\"workload\": {\"type\": \"vmexit\"}}],\n"
            + "  \"variants\": {\n"
            + "    \"big\": {\"/vms/0/vcpus\": 0}\n"
            + "  }\n"
            + "}\n";
    assertEquals(
        "t.json:5:29: vcpus must be between 1 and 1024, got 0 (at /vms/0/vcpus)", error(text));
  }

  @Test
  void variantDeepMergeMistakeIsReportedAtTheValue() {
    String text =
        "{\n"
            + "  \"name\": \"t\",\n"
            + "  \"vms\": [{\"workload\": {\"type\": \"vmexit\"}}],\n"
            + "  \"variants\": {\n"
            + "    \"slow\": {\"stop\": {\"after\": \"5parsecs\"}}\n"
            + "  }\n"
            + "}\n";
    assertEquals(
        "t.json:5:32: unknown time unit \"parsecs\" in \"5parsecs\"; use cycles, ns, us, ms or s"
            + " (at /stop/after)",
        error(text));
  }

  @Test
  void setMistakesNameTheArgument() {
    String ok = scenario(WORKLOAD);
    assertEquals(
        "--set /vms/0/vcpus=zero: expected an integer, got a string (at /vms/0/vcpus)",
        error(ok, List.of("/vms/0/vcpus=zero")));
    assertEquals(
        "--set vms/0/vcpus=2: the pointer must start with '/', e.g. /vms/0/vcpus (at"
            + " vms/0/vcpus)",
        error(ok, List.of("vms/0/vcpus=2")));
    assertEquals(
        "--set /vms/3/vcpus=2: index 3 is out of range; the array has 1 elements (at"
            + " /vms/3/vcpus)",
        error(ok, List.of("/vms/3/vcpus=2")));
    assertEquals(
        "--set /vms/0/vcpus: expected /json/pointer=value, e.g. --set /vms/0/vcpus=8",
        error(ok, List.of("/vms/0/vcpus")));
  }

  @Test
  void profileOverrideMistakeIsReportedInTheScenario() {
    String text =
        "{\n"
            + "  \"name\": \"t\",\n"
            + "  \"host\": {\"overrides\": {\"tlb\": {\"stlb\": {\"ways\": 7}}}},\n"
            + "  \"vms\": [{\"workload\": {\"type\": \"vmexit\"}}]\n"
            + "}\n";
    assertEquals(
        "t.json:3:51: ways (7) must divide entries (1536) (at /tlb/stlb/ways)", error(text));
  }

  @Test
  void unknownReplacementPolicyInAnOverride() {
    String text =
        "{\n"
            + "  \"name\": \"t\",\n"
            + "  \"host\": {\"overrides\": {\"tlb\": {\"replacement\": \"fifo\"}}},\n"
            + "  \"vms\": [{\"workload\": {\"type\": \"vmexit\"}}]\n"
            + "}\n";
    assertEquals(
        "t.json:3:49: unknown tlb replacement policy \"fifo\" (known: lru, bit-plru, random) (at"
            + " /host/overrides/tlb/replacement)",
        error(text));
  }

  /** A structure's own policy, misspelt in a profile override: the did-you-mean, where it is. */
  @Test
  void misspeltReplacementPolicyOfOneStructure() {
    String text =
        "{\n"
            + "  \"name\": \"t\",\n"
            + "  \"host\": {\"overrides\": {\"tlb\": {\"stlb\": {\"replacement\": \"bit-plur\"}}}},\n"
            + "  \"vms\": [{\"workload\": {\"type\": \"vmexit\"}}]\n"
            + "}\n";
    assertEquals(
        "t.json:3:58: unknown tlb replacement policy \"bit-plur\"; did you mean bit-plru? (known:"
            + " lru, bit-plru, random) (at /host/overrides/tlb/stlb/replacement)",
        error(text));
  }

  @Test
  void misspeltCacheReplacementPolicy() {
    String text =
        "{\n"
            + "  \"name\": \"t\",\n"
            + "  \"host\": {\"overrides\": {\"/caches/l2/replacement\": \"radnom\"}},\n"
            + "  \"vms\": [{\"workload\": {\"type\": \"vmexit\"}}]\n"
            + "}\n";
    assertEquals(
        "t.json:3:52: unknown cache replacement policy \"radnom\"; did you mean random? (known:"
            + " lru, bit-plru, random) (at /host/overrides/caches/l2/replacement)",
        error(text));
  }

  /** bit-plru keeps one bit per way in a word: a wider structure is refused, by its name. */
  @Test
  void replacementPolicyWayLimitNamesTheStructure() {
    String text =
        "{\n"
            + "  \"name\": \"t\",\n"
            + "  \"host\": {\"overrides\": {\"pagingStructureCaches\": {\"pde\":\n"
            + "    {\"entries\": 128, \"ways\": 128, \"replacement\": \"bit-plru\"}}}},\n"
            + "  \"vms\": [{\"workload\": {\"type\": \"vmexit\"}}]\n"
            + "}\n";
    assertEquals(
        "t.json:4:50: pagingStructureCaches/pde: bit-plru supports at most 64 ways, not 128 (at"
            + " /host/overrides/pagingStructureCaches/pde/replacement)",
        error(text));
  }

  @Test
  void misspeltIdleGovernor() {
    String text =
        "{\n"
            + "  \"name\": \"t\",\n"
            + "  \"host\": {\"idleGovernor\": \"mneu\"},\n"
            + "  \"vms\": [{\"workload\": {\"type\": \"vmexit\"}}]\n"
            + "}\n";
    assertEquals(
        "t.json:3:28: unknown idle governor \"mneu\"; did you mean menu? (known: menu, deepest)"
            + " (at /host/idleGovernor)",
        error(text));
  }

  @Test
  void misspeltIpiMode() {
    assertEquals(
        "t.json:5:49: unknown ipi mode \"clustr\"; did you mean cluster? (known: physical,"
            + " cluster, pv) (at /vms/0/workload/mode)",
        error(scenario("      \"workload\": {\"type\": \"ipi-bench\", \"mode\": \"clustr\"}")));
  }

  @Test
  void misspeltIpiModeOnTheCommandLine() {
    assertEquals(
        "--set /vms/0/workload/mode=pvv: unknown ipi mode \"pvv\"; did you mean pv? (known:"
            + " physical, cluster, pv) (at /vms/0/workload/mode)",
        error(
            scenario("      \"workload\": {\"type\": \"ipi-bench\"}"),
            List.of("/vms/0/workload/mode=pvv")));
  }

  @Test
  void workingSetLargerThanMemory() {
    assertEquals(
        "t.json:5:19: workload: its workingSet (2GiB) is larger than the VM's memory (1GiB) (at"
            + " /vms/0/workload)",
        error(
            scenario(
                "      \"workload\": {\"type\": \"random-access\", \"workingSet\":"
                    + " \"2GiB\"}")));
  }

  @Test
  void unknownProfile() {
    assertEquals(
        "--set /host/profile=epyc: unknown hardware profile \"epyc\"; known: xeon-gold-6142,"
            + " xeon-skylake-80t, core-i7-4770 (at /host/profile)",
        error(scenario(WORKLOAD), List.of("/host/profile=epyc")));
  }

  @Test
  void tooManyVcpusForTheHost() {
    assertEquals(
        // Blamed on the vcpus that broke the limit (here a --set), not on the list of VMs.
        "--set /vms/0/vcpus=65: the VMs have 65 vCPUs but host \"xeon-gold-6142\" has 64 hardware"
            + " threads; without a host scheduler each vCPU runs on its own hardware thread: set"
            + " \"hypervisor\": {\"hostScheduler\": \"cfs\"} to overcommit (at /vms/0/vcpus)",
        error(scenario(WORKLOAD), List.of("/vms/0/vcpus=65")));
  }
}
