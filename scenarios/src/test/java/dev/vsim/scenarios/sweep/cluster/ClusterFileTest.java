package dev.vsim.scenarios.sweep.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.scenarios.json.ScenarioException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cluster files load strictly: each mistake is one line, file:line:col, with what to write. */
class ClusterFileTest {
  private static String error(String text) {
    return assertThrows(ScenarioException.class, () -> ClusterFile.parse("c.json", text))
        .getMessage();
  }

  @Test
  void aFullFileAndItsDefaults() throws Exception {
    ClusterFile c =
        ClusterFile.parse(
            "c.json",
            "{\"cluster\": \"lab\", \"members\": [\"10.0.0.1:5801\", \"[::1]:5802\"],"
                + " \"port\": 5801, \"address\": \"10.0.0.1\", \"connectTimeout\": \"1500ms\"}");
    assertEquals(List.of("10.0.0.1:5801", "[::1]:5802"), c.members());
    assertEquals(5801, c.port());
    assertEquals(1500, c.connectTimeoutMillis());
    ClusterFile d = ClusterFile.parse("c.json", "{\"cluster\": \"lab\", \"members\": [\"h:1\"]}");
    assertEquals(ClusterFile.DEFAULT_PORT, d.port());
    assertEquals(null, d.address());
    assertEquals(5000, d.connectTimeoutMillis());
    assertEquals(6000, d.withPort(6000).port());
  }

  @Test
  void mistakesArePlacedAndSayWhatToWrite() {
    assertEquals(
        "c.json:3:3: a member is written \"host:port\" with a port between 1 and 65535, e.g."
            + " \"127.0.0.1:5701\"; got \"localhost\" (at /members/1)",
        error("{\"cluster\": \"lab\",\n \"members\": [\"a:1\",\n  \"localhost\"]}"));
    assertEquals(
        "c.json:1:32: a member is written \"host:port\" with a port between 1 and 65535, e.g."
            + " \"127.0.0.1:5701\"; got \"h:70000\" (at /members/0)",
        error("{\"cluster\": \"lab\", \"members\": [\"h:70000\"]}"));
    String missing = error("{\"cluster\": \"lab\"}");
    assertEquals(true, missing.startsWith("c.json:1:1: members must list at least one"), missing);
  }

  @Test
  void unknownKeysWrongKindsAndImpossibleValues() {
    String unknown = error("{\"cluster\": \"lab\", \"members\": [\"h:1\"], \"prot\": 5701}");
    assertEquals(true, unknown.startsWith("c.json:1:40: "), unknown);
    assertEquals(true, unknown.contains("\"prot\""), unknown);
    String port = error("{\"cluster\": \"lab\", \"members\": [\"h:1\"], \"port\": 0}");
    assertEquals("c.json:1:48: port must be between 1 and 65535, got 0 (at /port)", port, port);
    String cycles =
        error("{\"cluster\": \"lab\", \"members\": [\"h:1\"], \"connectTimeout\": \"5000cycles\"}");
    assertEquals(true, cycles.startsWith("c.json:1:58: connectTimeout is wall-clock"), cycles);
    String empty = error("{\"cluster\": \"lab\", \"members\": []}");
    assertEquals(true, empty.startsWith("c.json:1:31: members must list at least one"), empty);
    String kind = error("{\"cluster\": \"lab\", \"members\": \"h:1\"}");
    assertEquals(true, kind.startsWith("c.json:1:31: "), kind);
  }

  @Test
  void aMissingFileIsNamed() {
    ScenarioException e =
        assertThrows(ScenarioException.class, () -> ClusterFile.load(Path.of("no/such.json")));
    assertEquals("no/such.json: no such cluster file", e.getMessage());
  }
}
