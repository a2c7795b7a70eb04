package dev.vsim.scenarios.cli;

import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.run.RunPlan;
import dev.vsim.scenarios.run.ScenarioLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vsim validate}: loads a scenario strictly, with every variant, without running it. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = "Check a scenario file (and all its variants) without running it.")
final class ValidateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE")
  String file;

  @Option(names = "--set", paramLabel = "/POINTER=VALUE", description = "override a field")
  List<String> sets = new ArrayList<>();

  @Option(names = "--print", description = "print the resolved scenario")
  boolean print;

  @Override
  public Integer call() {
    ScenarioLoader loader = new ScenarioLoader();
    try {
      List<RunPlan> plans = loader.load(file, sets, List.of());
      if (print) {
        System.out.print(new dev.vsim.scenarios.run.Runner(loader.json()).resolvedScenario(plans));
      } else {
        System.out.println(
            file
                + ": valid ("
                + plans.size()
                + " configuration(s): "
                + String.join(", ", plans.stream().map(RunPlan::variant).toList())
                + ")");
      }
      return VsimCommand.OK;
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return VsimCommand.USAGE;
    }
  }
}
