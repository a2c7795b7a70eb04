package dev.vsim.scenarios.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code vsim} command line. */
@Command(
    name = "vsim",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Cycle-level x86 virtualization simulator: runs JSON scenario files.",
    subcommands = {
      RunCommand.class,
      SweepCommand.class,
      ValidateCommand.class,
      CompareCommand.class,
      ProfilesCommand.class,
      ReproduceCommand.class,
      ScenariosCommand.class,
      PluginsCommand.class,
      WorkerCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {"", "Exit codes: 0 success, 2 bad usage or bad scenario, 1 simulation failure."})
public final class VsimCommand implements Runnable {
  /** Exit code of a successful command. */
  public static final int OK = 0;

  /** Exit code of a simulation or I/O failure. */
  public static final int FAILURE = 1;

  /** Exit code of bad usage or a bad scenario. */
  public static final int USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. vsim run");
  }

  /** Builds the command line with vsim's exit-code conventions. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new VsimCommand());
    cl.setExitCodeExceptionMapper(e -> FAILURE);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine c = ex.getCommandLine();
          c.getErr().println("vsim: " + ex.getMessage());
          c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
          return USAGE;
        });
    return cl;
  }

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(commandLine().execute(args));
  }
}
