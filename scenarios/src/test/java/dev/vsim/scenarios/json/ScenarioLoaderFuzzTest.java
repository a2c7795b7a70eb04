package dev.vsim.scenarios.json;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vsim.scenarios.run.ScenarioLoader;
import java.util.List;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Whatever text a user feeds the loader, the only failure is a ScenarioException that names the
 * file: never a raw parser or binding exception, never a stack trace. In a normal build this
 * replays the seed inputs in {@code ScenarioLoaderFuzzTestInputs/} and fuzzes within the budget
 * below. The long run ({@link #longRun}, 5 minutes) is only run when asked for, on a fresh clone
 * too:
 *
 * <pre>
 * ./mvnw -B -pl scenarios -am test-compile surefire:test@fuzz-run -Djacoco.skip=true \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dvsim.fuzz.long=true \
 *     -Dtest='ScenarioLoaderFuzzTest#longRun'
 * </pre>
 */
class ScenarioLoaderFuzzTest {
  private final ScenarioLoader loader = new ScenarioLoader();

  /** The long run: 5 minutes, only with {@code -Dvsim.fuzz.long=true} (see the class comment). */
  @EnabledIfSystemProperty(named = "vsim.fuzz.long", matches = "true")
  @FuzzTest(maxDuration = "5m")
  void longRun(FuzzedDataProvider data) {
    everyMistakeIsAScenarioException(data);
  }

  @FuzzTest(maxDuration = "60s")
  void everyMistakeIsAScenarioException(FuzzedDataProvider data) {
    String set = data.consumeBoolean() ? data.consumeString(40) : null;
    String text = data.consumeRemainingAsString();
    try {
      loader.load("fuzz.json", text, set == null ? List.of() : List.of(set), List.of());
    } catch (ScenarioException e) {
      assertTrue(
          e.getMessage().startsWith("fuzz.json") || e.getMessage().startsWith("--set"),
          e.getMessage());
    }
  }
}
