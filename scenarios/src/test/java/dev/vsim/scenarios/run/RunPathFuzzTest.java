package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vsim.cpu.units.ByteSize;
import dev.vsim.scenarios.json.ScenarioException;
import java.util.List;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The run path: any text that loads is run with a tiny stop time, and the outcome is a clean result
 * or a clean one-line error, never an internal exception. Configurations whose page tables alone
 * need more than 64 MiB of heap ({@link HeapEstimate}) are skipped. In a normal build this replays
 * {@code RunPathFuzzTestInputs/} and fuzzes within the budget below. The long run ({@link
 * #longRun}, 5 minutes) is only run when asked for, on a fresh clone too:
 *
 * <pre>
 * ./mvnw -B -pl scenarios -am test-compile surefire:test@fuzz-run -Djacoco.skip=true \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dvsim.fuzz.long=true \
 *     -Dtest='RunPathFuzzTest#longRun'
 * </pre>
 */
class RunPathFuzzTest {
  // Runs whose page tables alone need more are skipped: the fuzzer's heap is shared.
  private static final long TABLE_BYTES_LIMIT = ByteSize.ofMiB(64).bytes();
  private static final List<String> TINY_STOP = List.of("/stop/after=\"3us\"");

  /** The long run: 5 minutes, only with {@code -Dvsim.fuzz.long=true} (see the class comment). */
  @EnabledIfSystemProperty(named = "vsim.fuzz.long", matches = "true")
  @FuzzTest(maxDuration = "5m")
  void longRun(FuzzedDataProvider data) {
    cleanResultOrCleanError(data);
  }

  @FuzzTest(maxDuration = "60s")
  void cleanResultOrCleanError(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    List<RunPlan> plans;
    try {
      plans = new ScenarioLoader().load("fuzz.json", text, TINY_STOP, List.of());
    } catch (ScenarioException e) {
      String m = e.getMessage();
      assertTrue((m.startsWith("fuzz.json") || m.startsWith("--set")) && !m.contains("\n"), m);
      return;
    }
    for (RunPlan p : plans) {
      if (HeapEstimate.tableBytes(p.scenario()) > TABLE_BYTES_LIMIT) {
        return;
      }
    }
    for (RunPlan p : plans) {
      Simulation.Outcome o = new Simulation(p, Simulation.Options.DEFAULT).run(f -> {});
      assertTrue(o.simulatedCycles() >= 0);
    }
  }
}
