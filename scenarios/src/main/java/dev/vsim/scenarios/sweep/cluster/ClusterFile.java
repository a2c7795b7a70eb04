package dev.vsim.scenarios.sweep.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vsim.cpu.units.TimeSpan;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.json.SourceDocument;
import dev.vsim.scenarios.json.StrictJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster of vsim workers, as a cluster file names it (JSON, loaded strictly like a scenario):
 *
 * <pre>{@code
 * {
 *   "cluster": "vsim-lab",
 *   "members": ["127.0.0.1:5801", "127.0.0.1:5802"],
 *   "port": 5801,
 *   "address": "127.0.0.1",
 *   "connectTimeout": "5s"
 * }
 * }</pre>
 *
 * @param cluster the cluster's name: members and sweeps of other names never join it
 * @param members where workers listen, {@code host:port}: a starting worker joins the ones that
 *     answer, a sweep connects to the first that answers and then to all
 * @param port the port a worker listens on (default 5701; {@code vsim worker --port} overrides it,
 *     so that several workers on one machine share a file)
 * @param address the address a worker binds to and announces to the others (default: the one
 *     Hazelcast picks, which is the loopback address when every member is on it)
 * @param connectTimeout how long a sweep tries to reach a member before it gives up (wall-clock,
 *     default {@code "5s"})
 */
public record ClusterFile(
    String cluster, List<String> members, Integer port, String address, TimeSpan connectTimeout) {
  /** Hazelcast's own default port. */
  public static final int DEFAULT_PORT = 5701;

  private static final Pattern HOST_PORT = Pattern.compile("([^\\s:]+|\\[[0-9A-Fa-f:.]+]):(\\d+)");

  private static final long PS_PER_MS = 1_000_000_000L;

  public ClusterFile {
    if (cluster == null || cluster.isBlank()) {
      throw new IllegalArgumentException(
          "cluster must name the cluster, e.g. \"cluster\": \"vsim-lab\"");
    }
    if (members == null || members.isEmpty()) {
      throw new IllegalArgumentException(
          "members must list at least one worker as \"host:port\", e.g. [\"127.0.0.1:5701\"]");
    }
    members = List.copyOf(members);
    port = port == null ? DEFAULT_PORT : port;
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be between 1 and 65535, got " + port);
    }
    if (address != null && address.isBlank()) {
      throw new IllegalArgumentException(
          "address must be a host name or IP address, e.g. \"127.0.0.1\", or left out");
    }
    connectTimeout = connectTimeout == null ? TimeSpan.seconds(5) : connectTimeout;
    if (connectTimeout.unit() != TimeSpan.Unit.PICOSECONDS) {
      throw new IllegalArgumentException(
          "connectTimeout is wall-clock time: write it in s or ms, e.g. \"5s\", not in cycles");
    }
    if (connectTimeout.amount() < PS_PER_MS || connectTimeout.amount() > 600 * 1000 * PS_PER_MS) {
      throw new IllegalArgumentException(
          "connectTimeout must be between 1ms and 600s, got " + connectTimeout);
    }
  }

  /** {@link #connectTimeout} in milliseconds. */
  public long connectTimeoutMillis() {
    return connectTimeout.amount() / PS_PER_MS;
  }

  /** The same cluster with a worker's own port. */
  public ClusterFile withPort(int newPort) {
    return new ClusterFile(cluster, members, newPort, address, connectTimeout);
  }

  /** Reads and checks a cluster file; every mistake is {@code file:line:col: what and how}. */
  public static ClusterFile load(Path path) throws ScenarioException {
    String name = path.toString();
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ScenarioException(name, 0, 0, null, "no such cluster file");
    } catch (IOException e) {
      throw new ScenarioException(name, 0, 0, null, "cannot read the cluster file: " + e);
    }
    return parse(name, text);
  }

  /** Parses and checks a cluster file's text; {@code file} names it in error messages. */
  public static ClusterFile parse(String file, String text) throws ScenarioException {
    StrictJson json = new StrictJson();
    SourceDocument doc = json.parse(file, text);
    ClusterFile c = json.bind(doc.root(), doc.sources(), ClusterFile.class);
    JsonNode members = doc.root().get("members");
    for (int i = 0; i < c.members().size(); i++) {
      String m = c.members().get(i);
      Matcher hp = HOST_PORT.matcher(m == null ? "" : m);
      int p = hp.matches() && hp.group(2).length() <= 5 ? Integer.parseInt(hp.group(2)) : 0;
      if (p < 1 || p > 65535) {
        String at = "/members/" + i;
        throw ScenarioException.at(
            doc.sources().locate(at),
            at,
            "a member is written \"host:port\" with a port between 1 and 65535, e.g."
                + " \"127.0.0.1:5701\"; got "
                + (members.get(i).isTextual() ? "\"" + m + "\"" : members.get(i).toString()));
      }
    }
    return c;
  }
}
