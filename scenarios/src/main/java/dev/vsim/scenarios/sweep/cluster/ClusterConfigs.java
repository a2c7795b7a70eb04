package dev.vsim.scenarios.sweep.cluster;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import java.util.Locale;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Hazelcast configurations of vsim's three roles: a worker ({@code vsim worker}), the embedded
 * member a sweep runs on by default, and the client a sweep joins a cluster with. All of them are
 * quiet (Hazelcast logs through java.util.logging, and not at all unless {@code VSIM_HAZELCAST_LOG}
 * names a level such as {@code WARNING} or {@code INFO}: vsim says in its own words what went
 * wrong) and never phone home.
 */
public final class ClusterConfigs {
  /** The executor service the points run on; each member sizes its pool to its own jobs. */
  public static final String EXECUTOR = "vsim-points";

  /** The member attribute that says how many points the member runs at once. */
  public static final String JOBS_ATTRIBUTE = "vsim.jobs";

  /** The environment variable that raises Hazelcast's log level, e.g. INFO or FINE. */
  public static final String LOG_LEVEL_ENV = "VSIM_HAZELCAST_LOG";

  /** Kept, so that java.util.logging does not forget the level set on it. */
  private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");

  private ClusterConfigs() {}

  /**
   * Routes Hazelcast's logging to java.util.logging at the chosen level and switches off its
   * phone-home call; before the first instance is made.
   */
  static synchronized void quiet() {
    System.setProperty("hazelcast.logging.type", "jdk");
    System.setProperty("hazelcast.phone.home.enabled", "false");
    String level = System.getenv(LOG_LEVEL_ENV);
    Level l = Level.OFF;
    if (level != null && !level.isBlank()) {
      try {
        l = Level.parse(level.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        l = Level.WARNING;
      }
    }
    HAZELCAST_LOG.setLevel(l);
  }

  /** A worker: a member of the file's cluster that runs {@code jobs} points at once. */
  public static Config worker(ClusterFile file, int jobs) {
    Config c = member(file.cluster(), jobs);
    NetworkConfig net = c.getNetworkConfig();
    net.setPort(file.port()).setPortAutoIncrement(false);
    if (file.address() != null) {
      net.getInterfaces().setEnabled(true).addInterface(file.address());
      c.setProperty("hazelcast.socket.bind.any", "false");
    }
    JoinConfig join = net.getJoin();
    join.getTcpIpConfig()
        .setEnabled(true)
        .setMembers(file.members())
        .setConnectionTimeoutSeconds(seconds(file.connectTimeoutMillis()));
    // A worker that finds no other forms a cluster of one soon, rather than after 5 s.
    c.setProperty("hazelcast.wait.seconds.before.join", "1");
    c.setProperty("hazelcast.max.wait.seconds.before.join", "2");
    return c;
  }

  /**
   * The member a sweep runs on when it names no cluster: a cluster of one that joins nothing and
   * that nothing joins (no multicast, no TCP members, no cloud discovery; a cluster name of its
   * own), listening on the loopback address only.
   */
  public static Config embedded(int jobs) {
    Config c = member("vsim-embedded-" + UUID.randomUUID(), jobs);
    NetworkConfig net = c.getNetworkConfig();
    net.setPort(ClusterFile.DEFAULT_PORT).setPortAutoIncrement(true).setPortCount(1000);
    net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    c.setProperty("hazelcast.socket.bind.any", "false");
    net.getJoin().getTcpIpConfig().setEnabled(false);
    c.setProperty("hazelcast.wait.seconds.before.join", "0");
    return c;
  }

  /** What a sweep joins a cluster with: a client of it, which runs no point itself. */
  public static ClientConfig client(ClusterFile file) {
    quiet();
    ClientConfig c = new ClientConfig();
    c.setClusterName(file.cluster());
    c.setInstanceName("vsim-sweep-" + UUID.randomUUID());
    int timeout = (int) Math.min(Integer.MAX_VALUE, file.connectTimeoutMillis());
    c.getNetworkConfig().setAddresses(file.members()).setConnectionTimeout(timeout);
    c.getConnectionStrategyConfig()
        .getConnectionRetryConfig()
        .setClusterConnectTimeoutMillis(file.connectTimeoutMillis())
        .setInitialBackoffMillis(Math.min(200, timeout))
        .setMaxBackoffMillis(Math.min(1000, timeout));
    c.getSerializationConfig()
        .addDataSerializableFactory(ClusterSerialization.FACTORY_ID, new ClusterSerialization());
    c.setProperty("hazelcast.client.statistics.enabled", "false");
    return c;
  }

  private static Config member(String cluster, int jobs) {
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
    }
    quiet();
    Config c = new Config();
    c.setClusterName(cluster);
    c.setInstanceName(cluster + "-" + UUID.randomUUID());
    NetworkConfig net = c.getNetworkConfig();
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    c.getExecutorConfig(EXECUTOR).setPoolSize(jobs).setQueueCapacity(0);
    c.getMemberAttributeConfig().setAttribute(JOBS_ATTRIBUTE, Integer.toString(jobs));
    c.getSerializationConfig()
        .addDataSerializableFactory(ClusterSerialization.FACTORY_ID, new ClusterSerialization());
    c.setProperty("hazelcast.health.monitoring.level", "OFF");
    return c;
  }

  private static int seconds(long millis) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (millis + 999) / 1000));
  }
}
