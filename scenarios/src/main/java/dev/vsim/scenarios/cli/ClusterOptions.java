package dev.vsim.scenarios.cli;

import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.sweep.PointExecutor;
import dev.vsim.scenarios.sweep.cluster.ClusterFile;
import dev.vsim.scenarios.sweep.cluster.ClusterUnreachableException;
import dev.vsim.scenarios.sweep.cluster.HazelcastExecutor;
import java.nio.file.Path;
import java.util.function.IntFunction;
import picocli.CommandLine.Option;

/**
 * Where a sweep's points run, as {@code vsim sweep} takes it ({@code @Mixin ClusterOptions}): on
 * threads of this process (the default), on an embedded Hazelcast member ({@code
 * --embedded-member}, a cluster of one in this process), or spread over the workers of a cluster
 * ({@code --cluster FILE}, which this process joins as a client). Results are the same in all
 * three.
 */
public final class ClusterOptions {
  @Option(
      names = "--cluster",
      paramLabel = "FILE",
      description =
          "spread the points over the workers of this cluster (see vsim worker); results are the"
              + " same")
  Path cluster;

  @Option(
      names = "--embedded-member",
      description =
          "run the points on an embedded Hazelcast member in this process (a cluster of one)")
  boolean embedded;

  /** Why a sweep cannot start where it was asked to run, with vsim's exit code for it. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    Refused(String message, int exitCode) {
      super(message);
      this.exitCode = exitCode;
    }

    /** {@link VsimCommand#USAGE}: the cluster file is wrong, or names no member that answers. */
    public int exitCode() {
      return exitCode;
    }
  }

  /** Whether the points go to Hazelcast (a cluster or the embedded member). */
  public boolean onHazelcast() {
    return cluster != null || embedded;
  }

  /**
   * The executor to run the points on.
   *
   * @param jobs points at once in this process (threads, or the embedded member's pool)
   * @param local the executor on threads of this process, for the default
   * @throws Refused with a one-line message: a bad cluster file ({@code file:line:col}), a cluster
   *     that no member answers for (within the file's {@code connectTimeout}), both options at once
   */
  public PointExecutor executor(int jobs, IntFunction<PointExecutor> local) throws Refused {
    if (cluster != null && embedded) {
      throw new Refused(
          "vsim sweep: --cluster and --embedded-member exclude each other: give one",
          VsimCommand.USAGE);
    }
    if (embedded) {
      return HazelcastExecutor.embedded(jobs);
    }
    if (cluster == null) {
      return local.apply(jobs);
    }
    ClusterFile file;
    try {
      file = ClusterFile.load(cluster);
    } catch (ScenarioException e) {
      throw new Refused(e.getMessage(), VsimCommand.USAGE);
    }
    try {
      return HazelcastExecutor.connect(file);
    } catch (ClusterUnreachableException e) {
      throw new Refused(cluster + ": " + e.getMessage(), VsimCommand.USAGE);
    }
  }
}
