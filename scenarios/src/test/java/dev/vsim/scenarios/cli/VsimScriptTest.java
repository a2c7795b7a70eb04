package dev.vsim.scenarios.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./vsim} launcher, in a checkout of its own whose {@code mvnw} only counts builds: it
 * builds when a source or pom changed, not when results are written inside the checkout, and two
 * first calls at once build once.
 */
class VsimScriptTest {
  @TempDir Path root;

  private static void write(Path p, String text) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  private static void executable(Path p, String text) throws IOException {
    write(p, text);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static void age(Path p, long secondsFromNow) throws IOException {
    Files.setLastModifiedTime(p, FileTime.from(Instant.now().plusSeconds(secondsFromNow)));
  }

  @BeforeEach
  void checkout() throws IOException {
    Files.copy(Path.of("..", "vsim"), root.resolve("vsim"));
    Files.setPosixFilePermissions(
        root.resolve("vsim"), PosixFilePermissions.fromString("rwxr-xr-x"));
    executable(
        root.resolve("mvnw"),
        "#!/bin/sh\necho build >> builds\nsleep 1\nmkdir -p scenarios/target\n"
            + "touch scenarios/target/vsim.jar\n");
    executable(root.resolve("bin/java"), "#!/bin/sh\nexit 0\n");
    for (String f :
        List.of("pom.xml", "sim-cpu/pom.xml", "sim-cpu/src/main/A.java", "scenarios/vmexit.json")) {
      write(root.resolve(f), "x");
      age(root.resolve(f), -60);
    }
  }

  private Process start() throws IOException {
    ProcessBuilder b = new ProcessBuilder(root.resolve("vsim").toString(), "validate", "x");
    b.environment().put("PATH", root.resolve("bin") + ":" + System.getenv("PATH"));
    b.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    return b.start();
  }

  private void run() throws Exception {
    Process p = start();
    p.waitFor(60, TimeUnit.SECONDS);
    assertEquals(0, p.exitValue());
  }

  private long builds() throws IOException {
    Path b = root.resolve("builds");
    return Files.exists(b) ? Files.readAllLines(b).size() : 0;
  }

  @Test
  void resultsInsideTheCheckoutDoNotRebuildSourcesDo() throws Exception {
    run();
    assertEquals(1, builds());
    for (String f : List.of("runs/a/result.json", "out/summary.md", "scenarios/mine.json.bak")) {
      write(root.resolve(f), "{}");
      age(root.resolve(f), 30);
    }
    write(root.resolve("result.json"), "{}");
    age(root.resolve("result.json"), 30);
    run();
    assertEquals(1, builds());
    age(root.resolve("sim-cpu/src/main/A.java"), 60);
    run();
    assertEquals(2, builds());
  }

  @Test
  void twoFirstCallsAtOnceBuildOnce() throws Exception {
    List<Process> ps = new ArrayList<>();
    ps.add(start());
    ps.add(start());
    for (Process p : ps) {
      p.waitFor(60, TimeUnit.SECONDS);
      assertEquals(0, p.exitValue());
    }
    assertEquals(1, builds());
  }
}
