package dev.vsim.scenarios.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.scenarios.json.ScenarioException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(300)
class SweepTest {
  /** A scenario that simulates in a few milliseconds. */
  static final String SCENARIO =
      """
      {
        "name": "tiny",
        "seed": 1,
        "host": { "profile": "xeon-gold-6142" },
        "vms": [
          {
            "name": "vm0",
            "vcpus": 1,
            "memory": "1GiB",
            "workload": { "type": "vmexit", "tests": ["cpuid", "vmcall"], "iterations": 2000 }
          }
        ],
        "stop": { "after": "1s" },
        "variants": { "two": { "/vms/0/vcpus": 2 } }
      }
      """;

  @TempDir Path dir;

  private SweepFile sweep(String axes, String more) throws Exception {
    Files.writeString(dir.resolve("tiny.json"), SCENARIO);
    String text =
        "{\n  \"name\": \"t\",\n  \"scenario\": \"tiny.json\",\n"
            + more
            + "  \"axes\": "
            + axes
            + ",\n  \"metrics\": [\n    {\"name\": \"cpuid\", \"metric\":"
            + " \"vm0.vcpu*.vmexit.cpuid.cycles_per_iteration\", \"aggregate\": \"mean\"},\n"
            + "    {\"metric\": \"sim.events\"}\n  ]\n}\n";
    Files.writeString(dir.resolve("s.json"), text);
    return SweepFile.load(dir.resolve("s.json").toString());
  }

  private static final String TWO_AXES =
      "[\n    {\"name\": \"vcpus\", \"pointer\": \"/vms/0/vcpus\", \"values\": [1, 2]},\n"
          + "    {\"name\": \"exit\", \"pointer\": \"/host/overrides/vmx/vmExitCycles\","
          + " \"from\": 100, \"to\": 300, \"step\": 100}\n  ]";

  private static List<List<String>> coordinates(SweepFile s) {
    List<List<String>> out = new ArrayList<>();
    s.points().forEach(p -> out.add(p.axisValues()));
    return out;
  }

  @Test
  void cartesianProductVariesTheFirstAxisSlowest() throws Exception {
    SweepFile s = sweep(TWO_AXES, "");
    assertEquals(
        List.of(
            List.of("1", "100"),
            List.of("1", "200"),
            List.of("1", "300"),
            List.of("2", "100"),
            List.of("2", "200"),
            List.of("2", "300")),
        coordinates(s));
    assertEquals(6, s.points().stream().map(SweepPoint::key).distinct().count());
    assertTrue(s.points().get(4).resolvedScenarioJson().contains("\"vmExitCycles\" : 200"));
    assertTrue(s.points().get(4).resolvedScenarioJson().contains("\"vcpus\" : 2"));
  }

  @Test
  void zipPairsTheAxesValueByValue() throws Exception {
    SweepFile s =
        sweep(
            "[{\"name\": \"vcpus\", \"pointer\": \"/vms/0/vcpus\", \"from\": 1, \"to\": 4,"
                + " \"factor\": 2},\n"
                + " {\"name\": \"m\", \"pointer\": \"/host/overrides/vmx/vmEntryCycles\","
                + " \"multiply\": [0.5, 1, 2]}]",
            "  \"combine\": \"zip\",\n");
    assertEquals(
        List.of(List.of("1", "0.5"), List.of("2", "1"), List.of("4", "2")), coordinates(s));
    // multiply scales the profile's 340 cycles.
    assertTrue(s.points().get(0).resolvedScenarioJson().contains("\"vmEntryCycles\" : 170"));
    assertTrue(s.points().get(2).resolvedScenarioJson().contains("\"vmEntryCycles\" : 680"));
  }

  @Test
  void theKeyIsTheContentAndTheVersion() throws Exception {
    SweepFile a = sweep(TWO_AXES, "");
    SweepFile b = sweep(TWO_AXES, "");
    assertEquals(a.points().get(3).key(), b.points().get(3).key());
    String text = a.points().get(3).resolvedScenarioJson();
    assertEquals(
        SweepFile.key("v1", text, "{}"), SweepFile.key("v1", text, "{}"), "a pure function");
    assertNotEquals(SweepFile.key("v1", text, "{}"), SweepFile.key("v2", text, "{}"));
    // The same point written another way (the variant rather than an axis) is the same key.
    SweepFile v =
        sweep(
            "[{\"name\": \"exit\", \"pointer\": \"/host/overrides/vmx/vmExitCycles\", \"values\":"
                + " [100]}]",
            "  \"variant\": \"two\",\n");
    assertEquals(a.points().get(3).key(), v.points().get(0).key());
  }

  /** Counts the points it is asked to run. */
  private static final class Counting implements PointExecutor {
    final PointExecutor inner;
    final AtomicInteger ran = new AtomicInteger();

    Counting(int jobs) {
      inner = new LocalExecutor(jobs, (p, f, s, e) -> {});
    }

    @Override
    public void runAll(List<SweepPoint> points, BiConsumer<SweepPoint, byte[]> done)
        throws Exception {
      ran.addAndGet(points.size());
      inner.runAll(points, done);
    }
  }

  @Test
  void aRerunReusesEveryPointAndTheCsvIsTheSameForAnyJobs() throws Exception {
    SweepFile s = sweep(TWO_AXES, "");
    Path out1 = dir.resolve("out1");
    Counting first = new Counting(1);
    Sweep.Outcome o1 = Sweep.run(s, out1, first);
    assertEquals(new Sweep.Outcome(6, 0, 6), o1);
    assertEquals(6, first.ran.get());
    String csv = Files.readString(out1.resolve(Sweep.CSV));
    List<String> lines = csv.lines().toList();
    assertEquals("vcpus,exit,cpuid,cpuid_min,cpuid_max,sim.events", lines.get(0));
    assertEquals(7, lines.size());
    // The CPUID round trip is exit + dispatch + handler + entry + the loop's own 8 cycles: 100 +
    // 250 + 100 + 340 + 8 at the first point, and each 100 more exit cycles add 100 to it; with 2
    // vCPUs that share nothing, both take the same (mean = min = max).
    assertTrue(lines.get(1).startsWith("1,100,798,798,798,"), lines.get(1));
    assertTrue(lines.get(2).startsWith("1,200,898,898,898,"), lines.get(2));
    assertTrue(lines.get(6).startsWith("2,300,998,998,998,"), lines.get(6));
    assertTrue(Files.exists(out1.resolve("plots/cpuid.svg")));
    assertTrue(Files.exists(out1.resolve("plots/cpuid.png")));
    assertTrue(Files.readString(out1.resolve(Sweep.SUMMARY)).contains("## What moves"));

    Counting again = new Counting(1);
    assertEquals(new Sweep.Outcome(6, 6, 0), Sweep.run(s, out1, again));
    assertEquals(0, again.ran.get(), "a re-run computes nothing");
    assertEquals(csv, Files.readString(out1.resolve(Sweep.CSV)));

    Path out2 = dir.resolve("out2");
    Sweep.run(s, out2, new Counting(2));
    assertEquals(csv, Files.readString(out2.resolve(Sweep.CSV)), "-j 2 gives -j 1's CSV");
    assertEquals(
        Files.readString(out1.resolve(Sweep.SUMMARY)),
        Files.readString(out2.resolve(Sweep.SUMMARY)));
  }

  @Test
  void anExecutorThatFinishesInAnyOrderGivesTheSameCsv() throws Exception {
    SweepFile s = sweep(TWO_AXES, "");
    Sweep.run(s, dir.resolve("a"), new Counting(1));
    PointExecutor shuffled =
        (points, done) -> {
          List<SweepPoint> p = new ArrayList<>(points);
          Collections.reverse(p);
          for (SweepPoint x : p) {
            done.accept(x, x.runHere());
          }
        };
    Sweep.run(s, dir.resolve("b"), shuffled);
    assertEquals(
        Files.readString(dir.resolve("a").resolve(Sweep.CSV)),
        Files.readString(dir.resolve("b").resolve(Sweep.CSV)));
  }

  @Test
  void aPointLeftHalfWrittenIsRemovedAndComputedAgain() throws Exception {
    SweepFile s = sweep(TWO_AXES, "");
    Path out = dir.resolve("out");
    Sweep.run(s, out, new Counting(2));
    Path points = out.resolve(Sweep.POINTS);
    SweepPoint lost = s.points().get(2);
    // What kill -9 leaves while a point is being written: its partial directory, named with the
    // dead process's id, and no point directory.
    long dead = deadPid();
    Path partial = points.resolve("." + lost.key() + ".partial-" + dead);
    Files.move(points.resolve(lost.key()), partial);
    Files.delete(partial.resolve("result.json"));
    Counting rerun = new Counting(1);
    assertEquals(new Sweep.Outcome(6, 5, 1), Sweep.run(s, out, rerun));
    assertEquals(1, rerun.ran.get());
    assertFalse(Files.exists(partial));
    assertTrue(Sweep.finished(points, lost));
  }

  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  @Test
  void aSweepKilledWithSigkillResumesWithOnlyTheMissingPoints() throws Exception {
    // Points that take a while each, so the kill lands mid-sweep.
    Files.writeString(dir.resolve("tiny.json"), SCENARIO.replace("2000", "400000"));
    String text =
        "{\"name\": \"k\", \"scenario\": \"tiny.json\", \"axes\": [{\"name\": \"exit\","
            + " \"pointer\": \"/host/overrides/vmx/vmExitCycles\", \"from\": 100, \"to\": 800,"
            + " \"step\": 100}], \"metrics\": [{\"metric\": \"sim.events\"}]}";
    Path file = dir.resolve("k.json");
    Files.writeString(file, text);
    SweepFile s = SweepFile.load(file.toString());
    Path out = dir.resolve("out");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Djava.awt.headless=true",
                "dev.vsim.scenarios.cli.VsimCommand",
                "sweep",
                file.toString(),
                "-o",
                out.toString(),
                "-j",
                "1",
                "-q")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    Path points = out.resolve(Sweep.POINTS);
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (finished(s, points) < 2 && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(p.isAlive(), "the sweep finished before it could be killed; make points slower");
    p.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks run
    p.waitFor();
    int before = finished(s, points);
    assertTrue(before >= 2 && before < s.points().size(), "killed mid-sweep: " + before);
    Counting rerun = new Counting(2);
    Sweep.Outcome o = Sweep.run(s, out, rerun);
    assertEquals(s.points().size() - before, o.computed());
    assertEquals(s.points().size() - before, rerun.ran.get(), "only the missing points run");
    try (Stream<Path> left = Files.list(points)) {
      assertEquals(
          s.points().size(),
          left.count(),
          "no partial directory is left: " + points.toFile().list());
    }
    // And the result is what an uninterrupted sweep gives.
    Sweep.run(s, dir.resolve("clean"), new Counting(2));
    assertEquals(
        Files.readString(dir.resolve("clean").resolve(Sweep.CSV)),
        Files.readString(out.resolve(Sweep.CSV)));
  }

  private static int finished(SweepFile s, Path points) {
    int n = 0;
    for (SweepPoint p : s.points()) {
      n += Sweep.finished(points, p) ? 1 : 0;
    }
    return n;
  }

  // ---- bad input -------------------------------------------------------------------------

  private String error(String axes, String more) {
    ScenarioException e = assertThrows(ScenarioException.class, () -> sweep(axes, more));
    return e.getMessage().replace(dir.toString() + "/", "");
  }

  @Test
  void anAxisPointerThatIsNotInTheResolvedScenarioIsRefusedAtThePointer() {
    String m = error("[{\"name\": \"x\", \"pointer\": \"/vms/0/vcpuz\", \"values\": [1, 2]}]", "");
    assertTrue(m.startsWith("s.json:4:37: the resolved scenario has no /vms/0/vcpuz"), m);
    assertTrue(m.endsWith("(at /axes/0/pointer)"), m);
    String p =
        error(
            "[{\"name\": \"x\", \"pointer\": \"/host/overrides/tlb/stlbb/entries\", \"values\":"
                + " [1]}]",
            "");
    assertTrue(
        p.startsWith("s.json:4:37: the scenario's hardware profile has no /tlb/stlbb/entries"), p);
  }

  @Test
  void anEmptyValueListIsRefusedAtTheList() {
    String m = error("[{\"name\": \"x\", \"pointer\": \"/vms/0/vcpus\", \"values\": []}]", "");
    assertEquals(
        "s.json:4:63: values is empty: an axis needs at least one value (at /axes/0/values)", m);
  }

  @Test
  void aValueTheScenarioRefusesIsReportedWhereTheSweepWroteIt() {
    String m =
        error("[{\"name\": \"x\", \"pointer\": \"/vms/0/vcpus\", \"values\": [1, \"two\"]}]", "");
    assertTrue(m.startsWith("s.json:4:67: expected an integer, got a string"), m);
    assertTrue(m.contains("/vms/0/vcpus"), m);
  }

  @Test
  void otherMistakesArePlaced() {
    assertTrue(
        error("[{\"name\": \"x\", \"pointer\": \"/vms/0/vcpus\", \"valuez\": [1]}]", "")
            .startsWith("s.json:4:53: unknown key \"valuez\""));
    assertEquals(
        "s.json:4:11: axes is a non-empty list of {\"name\", \"pointer\", \"values\"} (at /axes)",
        error("[]", ""));
    assertTrue(
        error(
                "[{\"name\": \"x\", \"pointer\": \"/vms/0/vcpus\", \"values\": [1, 2]},"
                    + " {\"name\": \"y\", \"pointer\": \"/seed\", \"values\": [1]}]",
                "  \"combine\": \"zip\",\n")
            .contains("every axis has as many values as the first (2), this one has 1"));
    assertTrue(
        error(
                "[{\"name\": \"x\", \"pointer\": \"/vms/0/vcpus\", \"values\": [1]}]",
                "  \"variant\": \"three\",\n")
            .contains("no variant \"three\" in"));
    assertTrue(
        error(
                "[{\"name\": \"x\", \"pointer\": \"/seed\", \"from\": 5, \"to\": 1, \"step\": 1}]",
                "")
            .contains("to is below from"));
  }
}
