package dev.vsim.scenarios.cli;

import dev.vsim.cpu.registry.Registry;
import dev.vsim.scenarios.run.PlugPoints;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code vsim plugins}: every plug point (what a scenario or profile picks by name) with the names
 * it knows, or one plug point.
 */
@Command(
    name = "plugins",
    mixinStandardHelpOptions = true,
    description = {
      "List every plug point (replacement policies, idle governors, IPI modes, ...) with its names"
          + " and what each does, or show one plug point."
    })
final class PluginsCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "PLUG_POINT",
      description = "one plug point, e.g. tlb-replacement-policy")
  String plugPoint;

  @Override
  public Integer call() {
    Registry<Registry<?>> catalogue = PlugPoints.catalogue();
    if (plugPoint == null) {
      List<Registry<?>> all = PlugPoints.all();
      for (int i = 0; i < all.size(); i++) {
        if (i > 0) {
          System.out.println();
        }
        print(all.get(i));
      }
      return VsimCommand.OK;
    }
    if (!catalogue.contains(plugPoint)) {
      System.err.println("vsim plugins: " + catalogue.unknown(plugPoint));
      return VsimCommand.USAGE;
    }
    print(catalogue.get(plugPoint));
    return VsimCommand.OK;
  }

  private static void print(Registry<?> r) {
    System.out.println(PlugPoints.id(r) + ": " + r.doc());
    int width = 0;
    for (String n : r.names()) {
      width = Math.max(width, n.length());
    }
    for (Registry.Entry<?> e : r.entries()) {
      System.out.printf("  %-" + width + "s  %s%n", e.name(), e.doc());
    }
  }
}
