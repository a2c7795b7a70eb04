package dev.vsim.scenarios.sweep.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.scenarios.sweep.SweepPoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sweeps on Hazelcast over loopback TCP: an embedded member and clusters of workers give exactly
 * the results of running each point here, also when a worker dies with points in flight (a member
 * terminated in this JVM, a worker process killed); an unreachable cluster is an error within
 * seconds, and a point's own failure ends the sweep without being tried elsewhere.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HazelcastExecutorTest {
  private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());

  /** Six small points, and their results as simulated here one after another. */
  private static List<SweepPoint> points;

  private static Map<String, String> local;

  @TempDir Path dir;

  private final List<AutoCloseable> started = new ArrayList<>();

  @BeforeAll
  static void simulateHere() throws Exception {
    points = SweepPoints.vmexit(6, 20000, 20000);
    local = new TreeMap<>(SweepPoints.local(points));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : started) {
      try {
        c.close();
      } catch (RuntimeException alreadyGone) {
        // terminated by the test
      }
    }
  }

  private static Map<String, String> run(HazelcastExecutor ex, List<SweepPoint> points)
      throws Exception {
    Map<String, String> out = new ConcurrentHashMap<>();
    ex.runAll(
        points,
        (p, b) -> {
          if (out.put(p.key(), new String(b, StandardCharsets.UTF_8)) != null) {
            throw new AssertionError("point " + p.key() + " handed back twice");
          }
        });
    return new TreeMap<>(out);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** A cluster file for workers on the given loopback ports. */
  private ClusterFile clusterFile(int... ports) throws Exception {
    List<String> members = new ArrayList<>();
    for (int p : ports) {
      members.add("\"127.0.0.1:" + p + "\"");
    }
    Path f = dir.resolve("cluster.json");
    Files.writeString(
        f,
        "{\"cluster\": \"test-"
            + ports[0]
            + "\", \"members\": "
            + members
            + ", \"port\": "
            + ports[0]
            + ", \"address\": \"127.0.0.1\", \"connectTimeout\": \"2s\"}\n");
    return ClusterFile.load(f);
  }

  /** Counts the points each worker started. */
  private static final class Counting implements PointListener {
    final Set<String> keys = ConcurrentHashMap.newKeySet();

    @Override
    public void started(String key) {
      keys.add(key);
    }

    @Override
    public void finished(String key, double seconds, String error) {}
  }

  private Worker worker(ClusterFile file, int port, PointListener listener) {
    Worker w = Worker.start(file.withPort(port), 1, NOWHERE, listener);
    started.add(() -> w.instance().getLifecycleService().terminate()); // no graceful leave: quick
    return w;
  }

  private HazelcastExecutor connect(ClusterFile file) throws Exception {
    HazelcastExecutor ex = HazelcastExecutor.connect(file);
    started.add(0, ex);
    return ex;
  }

  @Test
  void anEmbeddedMemberGivesTheLocalResults() throws Exception {
    try (HazelcastExecutor ex = HazelcastExecutor.embedded(2)) {
      assertEquals(1, ex.instance().getCluster().getMembers().size(), "a cluster of one");
      assertEquals(local, run(ex, points));
    }
  }

  /** Three workers and a client of them, for the tests that lose no member. */
  private HazelcastExecutor threeWorkers(List<Counting> counts) throws Exception {
    int[] ports = {freePort(), freePort(), freePort()};
    ClusterFile file = clusterFile(ports);
    for (int p : ports) {
      Counting c = new Counting();
      counts.add(c);
      worker(file, p, c);
    }
    HazelcastExecutor ex = connect(file);
    assertEquals(3, ex.instance().getCluster().getMembers().size());
    return ex;
  }

  @Test
  void threeWorkersGiveTheLocalResultsEachRunsSomeAndAFailingPointEndsTheSweep() throws Exception {
    List<Counting> counts = new ArrayList<>();
    HazelcastExecutor ex = threeWorkers(counts);
    assertEquals(local, run(ex, points));
    int total = 0;
    for (Counting c : counts) {
      assertTrue(!c.keys.isEmpty(), "every worker runs points: " + counts.indexOf(c));
      total += c.keys.size();
    }
    assertEquals(points.size(), total, "each point runs once when no member is lost");

    // A point's own failure comes back as its error; it is not tried on another member.
    SweepPoint bad = new SweepPoint(0, List.of("x"), "badpoint", "{\"name\": \"x\", \"vms\": 3}");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> run(ex, List.of(bad)));
    assertTrue(e.getMessage().startsWith("sweep point badpoint: "), e.getMessage());
    assertTrue(e.getMessage().contains("/vms"), e.getMessage());
    assertEquals(
        1, counts.stream().filter(c -> c.keys.contains("badpoint")).count(), "run on one member");
  }

  @Test
  void aWorkerTerminatedWithAPointInFlightLosesNoPoint() throws Exception {
    int[] ports = {freePort(), freePort()};
    ClusterFile file = clusterFile(ports);
    Counting survivor = new Counting();
    worker(file, ports[0], survivor);
    CountDownLatch victimStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Set<String> victimKeys = ConcurrentHashMap.newKeySet();
    Worker victim =
        worker(
            file,
            ports[1],
            new PointListener() {
              @Override
              public void started(String key) {
                victimKeys.add(key);
                victimStarted.countDown();
                try {
                  release.await(30, TimeUnit.SECONDS); // in flight until the member is gone
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }

              @Override
              public void finished(String key, double seconds, String error) {}
            });
    HazelcastExecutor ex = connect(file);
    CompletableFuture<Map<String, String>> sweep =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return run(ex, points);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    assertTrue(victimStarted.await(30, TimeUnit.SECONDS), "the victim was given a point");
    victim.instance().getLifecycleService().terminate(); // abruptly: no graceful leave
    release.countDown();
    assertEquals(local, sweep.get(40, TimeUnit.SECONDS));
    assertEquals(1, victimKeys.size(), "the victim ran one point before it died");
    assertTrue(
        survivor.keys.containsAll(victimKeys), "the victim's point ran again on the survivor");
  }

  private static final Pattern STARTED = Pattern.compile("vsim worker: point (\\S+) started");

  @Test
  void aWorkerProcessKilledMidSweepLosesNoPoint() throws Exception {
    int[] ports = {freePort(), freePort()};
    ClusterFile file = clusterFile(ports);
    Counting survivor = new Counting();
    worker(file, ports[0], survivor);
    Path clusterJson = dir.resolve("cluster.json");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder b =
        new ProcessBuilder(
            java,
            "-Xmx512m",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.vsim.scenarios.cli.VsimCommand",
            "worker",
            "--cluster",
            clusterJson.toString(),
            "--port",
            Integer.toString(ports[1]),
            "-j",
            "1");
    b.redirectErrorStream(true);
    Process worker = b.start();
    started.add(worker::destroyForcibly);
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                  lines.add(l);
                }
              } catch (IOException ignored) {
                // the process was killed
              }
            });
    reader.setDaemon(true);
    reader.start();
    String line;
    List<String> seen = new ArrayList<>();
    do {
      line = lines.poll(30, TimeUnit.SECONDS);
      assertTrue(line != null, "the worker process did not start: " + seen);
      seen.add(line);
    } while (!line.startsWith("vsim worker: member "));
    assertTrue(line.contains(", 2 members in all;"), line);
    for (String l : seen) {
      assertTrue(l.startsWith("vsim worker: "), "nothing but vsim's own lines: " + seen);
    }
    // Longer points, so that the one in flight on the killed worker is still running.
    List<SweepPoint> longer = SweepPoints.vmexit(2, 200000, 1000);
    Map<String, String> expected = new TreeMap<>(SweepPoints.local(longer));
    HazelcastExecutor ex = connect(file);
    CompletableFuture<Map<String, String>> sweep =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return run(ex, longer);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    String killedKey = null;
    while (killedKey == null) {
      line = lines.poll(30, TimeUnit.SECONDS);
      assertTrue(line != null, "the worker process was given no point: " + seen);
      seen.add(line);
      Matcher m = STARTED.matcher(line);
      if (m.matches()) {
        killedKey = m.group(1);
      }
    }
    worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    assertEquals(expected, sweep.get(40, TimeUnit.SECONDS));
    assertTrue(
        survivor.keys.contains(killedKey),
        "the point in flight on the killed worker ran again on the survivor");
  }

  @Test
  void aClusterThatNoMemberAnswersIsAnErrorWithinSeconds() throws Exception {
    int port = freePort();
    ClusterFile file = clusterFile(port);
    long start = System.nanoTime();
    ClusterUnreachableException e =
        assertThrows(ClusterUnreachableException.class, () -> HazelcastExecutor.connect(file));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(seconds < 10, "gave up after " + seconds + " s");
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    assertTrue(e.getMessage().contains("vsim worker --cluster"), e.getMessage());
  }
}
