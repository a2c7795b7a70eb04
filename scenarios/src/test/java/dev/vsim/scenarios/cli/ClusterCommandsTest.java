package dev.vsim.scenarios.cli;

import static dev.vsim.scenarios.cli.VsimInProcess.vsim;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.scenarios.cli.VsimInProcess.Outcome;
import dev.vsim.scenarios.sweep.PointExecutor;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vsim worker} and the sweep's cluster options: bad input is refused in one line. */
class ClusterCommandsTest {
  @TempDir Path tmp;

  @Test
  void aWorkerWithoutAClusterFileIsRefused() throws Exception {
    Outcome missing = vsim("worker", "--cluster", tmp.resolve("none.json").toString());
    assertEquals(VsimCommand.USAGE, missing.code());
    assertEquals(tmp.resolve("none.json") + ": no such cluster file\n", missing.err());
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, "{\"cluster\": \"lab\",\n \"members\": [\"nohost\"]}\n");
    Outcome o = vsim("worker", "--cluster", bad.toString());
    assertEquals(VsimCommand.USAGE, o.code());
    assertTrue(o.err().startsWith(bad + ":2:14: a member is written \"host:port\""), o.err());
    assertEquals(1, o.err().lines().count(), o.err());
    Outcome usage = vsim("worker");
    assertEquals(VsimCommand.USAGE, usage.code());
    assertTrue(usage.err().contains("--cluster"), usage.err());
  }

  @Test
  void aWorkerWhosePortIsTakenSaysSo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path f = tmp.resolve("c.json");
      int port = taken.getLocalPort();
      Files.writeString(
          f,
          "{\"cluster\": \"lab\", \"members\": [\"127.0.0.1:"
              + port
              + "\"], \"port\": "
              + port
              + ", \"address\": \"127.0.0.1\"}");
      Outcome o = vsim("worker", "--cluster", f.toString(), "-j", "1");
      assertEquals(VsimCommand.FAILURE, o.code(), o.out() + o.err());
      assertTrue(
          o.err()
              .startsWith("vsim worker: cannot start a member of cluster \"lab\" on port " + port),
          o.err());
      assertTrue(o.err().contains("in use"), o.err());
    }
  }

  @Test
  void theSweepsClusterOptionsPickWhereThePointsRun() throws Exception {
    PointExecutor threads = (points, done) -> {};
    ClusterOptions none = new ClusterOptions();
    assertSame(threads, none.executor(2, jobs -> threads), "by default, threads of this process");

    ClusterOptions both = new ClusterOptions();
    both.embedded = true;
    both.cluster = tmp.resolve("c.json");
    ClusterOptions.Refused r =
        assertThrows(ClusterOptions.Refused.class, () -> both.executor(1, j -> threads));
    assertEquals(VsimCommand.USAGE, r.exitCode());

    ClusterOptions unreachable = new ClusterOptions();
    unreachable.cluster = tmp.resolve("c.json");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Files.writeString(
        unreachable.cluster,
        "{\"cluster\": \"lab\", \"members\": [\"127.0.0.1:"
            + port
            + "\"], \"connectTimeout\": \"1s\"}");
    long start = System.nanoTime();
    r = assertThrows(ClusterOptions.Refused.class, () -> unreachable.executor(1, j -> threads));
    assertTrue((System.nanoTime() - start) / 1e9 < 10, "an error within seconds");
    assertEquals(VsimCommand.USAGE, r.exitCode());
    assertEquals(
        unreachable.cluster
            + ": no member of cluster \"lab\" answered at 127.0.0.1:"
            + port
            + " within 1s: start workers there with vsim worker --cluster FILE, or fix the file's"
            + " \"members\" and \"cluster\"",
        r.getMessage());
  }

  @Test
  void aSweepOnAClusterThatNoMemberAnswersStopsWithinSecondsWritingNothing() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path f = tmp.resolve("c.json");
    Files.writeString(
        f,
        "{\"cluster\": \"lab\", \"members\": [\"127.0.0.1:"
            + port
            + "\"], \"connectTimeout\": \"1s\"}");
    Path out = tmp.resolve("sweep");
    long start = System.nanoTime();
    Outcome o = vsim("sweep", "stlb-size", "-q", "-o", out.toString(), "--cluster", f.toString());
    assertTrue((System.nanoTime() - start) / 1e9 < 15, "an error within seconds");
    assertEquals(VsimCommand.USAGE, o.code(), o.out() + o.err());
    assertEquals(
        f
            + ": no member of cluster \"lab\" answered at 127.0.0.1:"
            + port
            + " within 1s: start"
            + " workers there with vsim worker --cluster FILE, or fix the file's \"members\" and"
            + " \"cluster\"\n",
        o.err());
    assertEquals("", o.out());
    assertTrue(!Files.exists(out), "nothing written");
  }
}
