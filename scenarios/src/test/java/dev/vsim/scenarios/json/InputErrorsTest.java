package dev.vsim.scenarios.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.scenarios.run.ScenarioLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Positions and messages of input mistakes from issue 14 (items 5, 6, 7 and the fuzz seed). */
class InputErrorsTest {
  private static final String VMEXIT =
      "{\"name\":\"a\",\"vms\":[{\"workload\":{\"type\":\"vmexit\"}}]}";

  private static String error(String text, String... sets) {
    return assertThrows(
            ScenarioException.class,
            () -> new ScenarioLoader().load("t.json", text, List.of(sets), List.of()))
        .getMessage();
  }

  private static String fileError(byte[] content) throws Exception {
    Path f = Files.createTempFile("vsim", ".json");
    try {
      Files.write(f, content);
      String m =
          assertThrows(
                  ScenarioException.class,
                  () -> new ScenarioLoader().load(f.toString(), List.of(), List.of()))
              .getMessage();
      return m.replace(f.toString(), "t.json");
    } finally {
      Files.delete(f);
    }
  }

  @Test
  void aFileLargerThanTheLimitIsRefusedWithoutReadingIt() throws Exception {
    assertEquals(
        "t.json: the file is larger than 1MiB; a scenario is far smaller: is it one?",
        fileError(new byte[(1 << 20) + 1]));
  }

  @Test
  void aByteThatIsNotUtf8IsReportedAtItsPosition() throws Exception {
    assertEquals(
        "t.json:2:15: byte 0xE9 is not UTF-8; save the file as UTF-8",
        fileError(
            "{\n  \"name\": \"caf\u00e9\",\n  \"description\": \"x\"}"
                .replace('\u00e9', '\u0001')
                .replace("\u0001", "\u00e9")
                .getBytes(StandardCharsets.ISO_8859_1)));
  }

  @Test
  void aByteOrderMark() {
    assertEquals(
        "t.json:1:1: the file starts with a byte order mark (U+FEFF); save it as UTF-8 without one",
        error("\uFEFF" + VMEXIT));
  }

  @Test
  void notANumber() {
    assertEquals(
        "t.json:1:23: NaN is not a number in JSON; write a number such as 1.5",
        error("{\"name\": \"a\", \"seed\": NaN}"));
  }

  @Test
  void aComment() {
    assertEquals(
        "t.json:2:3: comments are not allowed: a scenario is strict JSON; remove the comment",
        error("{\"name\": \"a\",\n  // the VMs\n  \"vms\": []}"));
  }

  @Test
  void nestingTooDeepIsReportedWithinItsLine() {
    assertEquals(
        "t.json:2:64: objects and arrays nest more than 64 deep here; a scenario nests a few"
            + " levels: look for brackets left open",
        error("{\"a\":\n" + "[".repeat(70) + "\n}"));
  }

  @Test
  void anUnknownKeyAVariantCreatesIsReportedInTheVariant() {
    assertEquals(
        "t.json:5:11: unknown key \"vcpuz\"; did you mean \"vcpus\"? (at /vms/0/vcpuz)",
        error(
            "{\n  \"name\": \"t\",\n  \"vms\": [{\"workload\": {\"type\": \"vmexit\"}}],\n"
                + "  \"variants\": {\n    \"x\": {\"/vms/0/vcpuz\": 2}\n  }\n}\n"));
  }

  @Test
  void setOfAVariantIsBlamedOnTheSet() {
    assertEquals(
        "--set /variants/x=1: unknown key \"variants\"; allowed keys: description, host,"
            + " hypervisor, name, published, seed, stop, vms (at /variants)",
        error(VMEXIT, "/variants/x=1"));
  }

  @Test
  void aBadVmNameIsReportedAtTheName() {
    assertEquals(
        "t.json:3:20: name \"VM\" must start with a lower-case letter and use a-z, 0-9, _ (at"
            + " /vms/0/name)",
        error(
            "{\n  \"name\": \"t\",\n  \"vms\": [{\"name\": \"VM\", \"workload\": {\"type\":"
                + " \"vmexit\"}}]\n}\n"));
  }

  @Test
  void aBadEscapeInAnOverridePointerIsReportedInTheScenario() {
    assertEquals(
        "t.json:1:73: a '~' in a pointer starts an escape: write ~0 for '~' and ~1 for '/' in a"
            + " key (at /t~x)",
        error(
            "{\"name\":\"a\",\"vms\":[{\"workload\":{\"type\":\"vmexit\"}}],"
                + "\"host\":{\"overrides\":{\"/t~x\":1}}}"));
  }

  @Test
  void aProfileValueAnOverrideNoLongerFitsBlamesTheOverride() {
    assertEquals(
        "t.json:3:54: ways (12) must divide entries (8) (at /tlb/stlb/entries)",
        error(
            "{\n  \"name\": \"a\", \"vms\": [{\"workload\": {\"type\": \"vmexit\"}}],\n"
                + "  \"host\": {\"overrides\": {\"tlb\": {\"stlb\": {\"entries\": 8}}}}\n}"));
  }

  @Test
  void aTimeWithASpaceIsRejected() {
    assertEquals(
        "--set /stop/after=\"10 ms\": time \"10 ms\" has spaces; write it without them, e.g."
            + " \"10ms\" (at /stop/after)",
        error(VMEXIT, "/stop/after=\"10 ms\""));
  }

  @Test
  void anOverridePointerThatDoesNotExistIsReportedInTheScenario() {
    assertEquals(
        "t.json:1:73: unknown key \"nope\"; allowed keys: l1d1g, l1d2m, l1d4k, replacement, stlb,"
            + " stlb1g (at /tlb/nope)",
        error(
            "{\"name\":\"a\",\"vms\":[{\"workload\":{\"type\":\"vmexit\"}}],"
                + "\"host\":{\"overrides\":{\"/tlb/nope/x\":1}}}"));
  }

  @Test
  void aPathInADirectoryThatDoesNotExistIsAnError() {
    assertEquals(
        "/no/such/dir/vmexit.json: no such file: directory /no/such/dir does not exist (a bundled"
            + " scenario is named without a directory)",
        assertThrows(
                ScenarioException.class,
                () -> new ScenarioLoader().load("/no/such/dir/vmexit.json", List.of(), List.of()))
            .getMessage());
  }

  @Test
  void stopAfterZeroIsReportedAtItsValue() {
    assertEquals(
        "t.json:2:19: after must be longer than zero, e.g. \"10ms\" (at /stop/after)",
        error(
            "{\"name\":\"a\",\"vms\":[{\"workload\":{\"type\":\"vmexit\"}}],\n\"stop\": {\"after\": \"0s\"}}"));
  }

  @Test
  void noVmsIsReportedAtTheList() {
    assertEquals(
        "t.json:2:8: vms is empty; a scenario needs at least one VM, e.g. [{\"workload\":"
            + " {\"type\": \"vmexit\"}}] (at /vms)",
        error("{\"name\":\"a\",\n\"vms\": []}"));
  }
}
