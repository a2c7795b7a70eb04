package dev.vsim.scenarios.sweep.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vsim.scenarios.sweep.SweepPoint;
import org.junit.jupiter.api.Test;

/** The task a member runs: the point's own bytes, or a refusal as a value. */
class RunPointTaskTest {
  @Test
  void aMemberOfTheSameBuildRunsThePointAsThisProcessWould() throws Exception {
    SweepPoint p = SweepPoints.vmexit(1, 500, 0).get(0);
    PointOutcome o = new RunPointTask(p, RunPointTask.vsimVersion()).call();
    assertNull(o.error());
    assertArrayEquals(p.runHere(), o.result());
  }

  @Test
  void aMemberOfAnotherBuildRefusesThePoint() throws Exception {
    SweepPoint p = SweepPoints.vmexit(1, 500, 0).get(0);
    PointOutcome o = new RunPointTask(p, "0.0.1-other").call();
    assertNull(o.result());
    assertEquals(
        "member runs vsim "
            + RunPointTask.vsimVersion()
            + " but the sweep runs vsim 0.0.1-other: run the same build on every worker",
        o.error());
  }
}
