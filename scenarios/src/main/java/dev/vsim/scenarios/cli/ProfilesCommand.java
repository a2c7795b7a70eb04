package dev.vsim.scenarios.cli;

import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.json.SourceDocument;
import dev.vsim.scenarios.json.StrictJson;
import dev.vsim.scenarios.profiles.ProfileRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vsim profiles}: lists the hardware profiles, or shows one with every value's source. */
@Command(
    name = "profiles",
    mixinStandardHelpOptions = true,
    description = "List the bundled hardware profiles, or show one with the source of each value.")
final class ProfilesCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME")
  String name;

  @Override
  public Integer call() {
    ProfileRegistry registry = new ProfileRegistry(new StrictJson());
    try {
      if (name == null) {
        for (String n : registry.names()) {
          HardwareProfile p = registry.load(n);
          System.out.printf("%-20s %s%n", n, p.description());
        }
        return VsimCommand.OK;
      }
      HardwareProfile p = registry.load(name);
      SourceDocument doc = registry.document(name);
      System.out.println(p.name() + ": " + p.description());
      System.out.printf(
          "%d sockets x %d cores x %d threads = %d hardware threads%n%n",
          p.topology().sockets(),
          p.topology().coresPerSocket(),
          p.topology().threadsPerCore(),
          p.hardwareThreads());
      ProfileRegistry.parameters(doc.root())
          .forEach(
              (pointer, value) ->
                  System.out.printf(
                      "%-44s %-14s %s%n", pointer, value, p.sources().getOrDefault(pointer, "")));
      return VsimCommand.OK;
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return VsimCommand.USAGE;
    }
  }
}
