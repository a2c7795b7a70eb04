package dev.vsim.scenarios.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.scenarios.run.ScenarioLoader;
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
