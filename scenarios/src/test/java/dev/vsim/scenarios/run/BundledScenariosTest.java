package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every bundled scenario is listed and loads, with all its variants, without an error. */
class BundledScenariosTest {
  @Test
  void everyScenarioFileIsListedAndEveryVariantLoads() throws Exception {
    List<String> listed =
        BundledScenarios.list().stream()
            .map(e -> e.fileName().substring(0, e.fileName().length() - ".json".length()))
            .sorted()
            .toList();
    List<String> files;
    try (Stream<Path> s = Files.list(Path.of("").toAbsolutePath())) {
      files =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".json"))
              .map(n -> n.substring(0, n.length() - ".json".length()))
              .sorted()
              .toList();
    }
    assertEquals(files, listed, "scenarios/index.txt lists exactly the scenario files");
    for (String name : listed) {
      List<RunPlan> plans =
          new ScenarioLoader()
              .load(
                  name + ".json", BundledScenarios.read(name).orElseThrow(), List.of(), List.of());
      assertFalse(plans.isEmpty(), name);
    }
  }
}
