package dev.vsim.scenarios.json;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vsim.scenarios.run.ScenarioLoader;
import java.util.List;

/**
 * Whatever text a user feeds the loader, the only failure is a ScenarioException that names the
 * file: never a raw parser or binding exception, never a stack trace. In a normal build this runs
 * the seed inputs in {@code ScenarioLoaderFuzzTestInputs/}; {@code JAZZER_FUZZ=1 ./mvnw test -pl
 * scenarios -Dtest=ScenarioLoaderFuzzTest} fuzzes for real.
 */
class ScenarioLoaderFuzzTest {
  private final ScenarioLoader loader = new ScenarioLoader();

  @FuzzTest(maxDuration = "25s")
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
