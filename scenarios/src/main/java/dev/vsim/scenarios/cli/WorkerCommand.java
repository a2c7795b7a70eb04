package dev.vsim.scenarios.cli;

import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.sweep.cluster.ClusterFile;
import dev.vsim.scenarios.sweep.cluster.Worker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vsim worker}: a member of a sweep cluster that runs points until it is stopped. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Join the cluster named in a cluster file and run the sweep points it is sent, until"
          + " interrupted (Ctrl-C).",
      "A cluster file is JSON: {\"cluster\": \"vsim-lab\", \"members\": [\"host:port\", ...],"
          + " \"port\": 5701, \"address\": \"HOST\", \"connectTimeout\": \"5s\"}; see README."
    })
final class WorkerCommand implements Callable<Integer> {
  @Option(
      names = "--cluster",
      required = true,
      paramLabel = "FILE",
      description = "cluster file: the cluster's name and members")
  Path cluster;

  @Option(
      names = "--port",
      paramLabel = "N",
      description =
          "port to listen on (default: the file's \"port\"), for several workers on a host")
  Integer port;

  @Option(
      names = {"-j", "--jobs"},
      paramLabel = "N",
      description = "points simulated at once (default: the machine's cores)")
  int jobs = Runtime.getRuntime().availableProcessors();

  @Override
  public Integer call() throws InterruptedException {
    if (jobs < 1) {
      System.err.println("vsim worker: --jobs must be at least 1, got " + jobs);
      return VsimCommand.USAGE;
    }
    ClusterFile file;
    try {
      file = ClusterFile.load(cluster);
      if (port != null) {
        if (port < 1 || port > 65535) {
          System.err.println("vsim worker: --port must be between 1 and 65535, got " + port);
          return VsimCommand.USAGE;
        }
        file = file.withPort(port);
      }
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return VsimCommand.USAGE;
    }
    Worker worker;
    try {
      worker = Worker.start(file, jobs, System.out);
    } catch (RuntimeException e) {
      System.err.println(
          "vsim worker: cannot start a member of cluster \""
              + file.cluster()
              + "\" on port "
              + file.port()
              + ": "
              + e.getMessage());
      return VsimCommand.FAILURE;
    }
    System.out.println(
        "vsim worker: member "
            + worker.self().getAddress()
            + " of cluster \""
            + file.cluster()
            + "\", "
            + Worker.members(worker.clusterSize())
            + " in all; running up to "
            + jobs
            + (jobs == 1 ? " point" : " points")
            + " at once; Ctrl-C stops it");
    System.out.flush();
    worker.awaitShutdown();
    System.out.println("vsim worker: stopped");
    return VsimCommand.OK;
  }
}
