package dev.vsim.scenarios.cli;

import dev.vsim.scenarios.run.BundledScenarios;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code vsim scenarios}: lists the bundled scenario files. */
@Command(
    name = "scenarios",
    mixinStandardHelpOptions = true,
    description = "List the bundled scenarios (run one with: vsim run scenarios/NAME.json).")
final class ScenariosCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    for (BundledScenarios.Entry e : BundledScenarios.list()) {
      System.out.printf("%-28s %s%n", e.fileName(), e.description());
    }
    return VsimCommand.OK;
  }
}
