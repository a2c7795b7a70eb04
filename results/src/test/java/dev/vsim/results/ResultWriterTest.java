package dev.vsim.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultWriterTest {
  @TempDir Path tmp;

  private static RunResult sample() {
    RunResult r = new RunResult("demo", "demo.json", 7);
    r.configuration(
        "base",
        new Metrics()
            .put("vm0.vcpu0.exits.cpuid.count", 3L)
            .describe("vm0.vcpu0.exits.cpuid.count", "count", "VM exits for cpuid")
            .put("a.x", 0.5),
        false);
    r.configuration("fast", new Metrics().put("vm0.vcpu0.exits.cpuid.count", 6L), true);
    r.table(new Table("t", List.of("name", "value")).row("x,y", 1L).row("q\"z", 2.5));
    r.published(new PublishedComparison("q", "base", "a.x", 0.5, 0.4, 0.6, "s", "paper"));
    r.summary("# demo\n");
    return r;
  }

  @Test
  void resultJsonHasSchemaMetricsAndVariants() {
    String json = ResultWriter.resultJson(sample());
    assertEquals(
        "{\n"
            + "  \"schemaVersion\" : 2,\n"
            + "  \"scenario\" : \"demo\",\n"
            + "  \"file\" : \"demo.json\",\n"
            + "  \"seed\" : 7,\n"
            + "  \"cutOff\" : false,\n"
            + "  \"metrics\" : {\n"
            + "    \"a.x\" : 0.5,\n"
            + "    \"vm0.vcpu0.exits.cpuid.count\" : 3\n"
            + "  },\n"
            + "  \"units\" : {\n"
            + "    \"a.x\" : \"unknown\",\n"
            + "    \"vm0.vcpu0.exits.cpuid.count\" : \"count\"\n"
            + "  },\n"
            + "  \"descriptions\" : {\n"
            + "    \"a.x\" : \"\",\n"
            + "    \"vm0.vcpu0.exits.cpuid.count\" : \"VM exits for cpuid\"\n"
            + "  },\n"
            + "  \"distributions\" : { },\n"
            + "  \"variants\" : {\n"
            + "    \"fast\" : {\n"
            + "      \"cutOff\" : true,\n"
            + "      \"metrics\" : {\n"
            + "        \"vm0.vcpu0.exits.cpuid.count\" : 6\n"
            + "      },\n"
            + "      \"units\" : {\n"
            + "        \"vm0.vcpu0.exits.cpuid.count\" : \"unknown\"\n"
            + "      },\n"
            + "      \"descriptions\" : {\n"
            + "        \"vm0.vcpu0.exits.cpuid.count\" : \"\"\n"
            + "      },\n"
            + "      \"distributions\" : { }\n"
            + "    }\n"
            + "  },\n"
            + "  \"published\" : [ {\n"
            + "    \"quantity\" : \"q\",\n"
            + "    \"configuration\" : \"base\",\n"
            + "    \"metric\" : \"a.x\",\n"
            + "    \"simulated\" : 0.5,\n"
            + "    \"low\" : 0.4,\n"
            + "    \"high\" : 0.6,\n"
            + "    \"unit\" : \"s\",\n"
            + "    \"source\" : \"paper\",\n"
            + "    \"withinRange\" : true\n"
            + "  } ]\n"
            + "}\n",
        json);
    assertEquals(json, ResultWriter.resultJson(sample()), "same input, same bytes");
  }

  @Test
  void csvQuotesWhatNeedsQuoting() {
    assertEquals("name,value\n\"x,y\",1\n\"q\"\"z\",2.5\n", sample().tables().get(0).toCsv());
  }

  @Test
  void writesEveryFileAndNothingElse() throws IOException {
    Path dir = tmp.resolve("run");
    new ResultWriter().write(dir, sample(), "{}\n", Map.of("elapsedSeconds", "1.0"));
    assertTrue(Files.isRegularFile(dir.resolve("result.json")));
    assertEquals("# demo\n", Files.readString(dir.resolve("summary.md")));
    assertEquals("{}\n", Files.readString(dir.resolve("scenario.resolved.json")));
    assertTrue(Files.isRegularFile(dir.resolve("tables/t.csv")));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(dir), s.toList());
    }
  }

  @Test
  void aFailureHalfwayLeavesNoDirectoryBehind() {
    Path dir = tmp.resolve("run");
    ResultWriter failing =
        new ResultWriter(
            f -> {
              if (f.getFileName().toString().equals("result.json")) {
                throw new IOException("disk full");
              }
            });
    IOException e =
        assertThrows(IOException.class, () -> failing.write(dir, sample(), "{}", Map.of()));
    assertEquals("disk full", e.getMessage());
    assertFalse(Files.exists(dir));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(), s.toList(), "the partial directory is removed");
    } catch (IOException io) {
      throw new AssertionError(io);
    }
  }

  @Test
  void refusesToOverwriteANonEmptyDirectory() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("run"));
    Files.writeString(dir.resolve("mine"), "x");
    assertThrows(
        java.nio.file.FileAlreadyExistsException.class,
        () -> new ResultWriter().write(dir, sample(), "{}", Map.of()));
    assertEquals("x", Files.readString(dir.resolve("mine")));
  }

  @Test
  void plotsAreWrittenAsPngAndSvg() throws IOException {
    RunResult r = sample();
    r.plot(new BarPlot("bars", "t", "cycles", List.of("a", "b")).series("s", List.of(1.0, 2.0)));
    Path dir = tmp.resolve("run");
    new ResultWriter().write(dir, r, "{}", Map.of());
    byte[] png = Files.readAllBytes(dir.resolve("plots/bars.png"));
    assertEquals((byte) 0x89, png[0]);
    assertEquals('P', png[1]);
    assertTrue(Files.readString(dir.resolve("plots/bars.svg")).contains("<svg"));
  }

  @Test
  void metricsRejectNonFiniteValuesAndBadNames() {
    assertThrows(IllegalArgumentException.class, () -> new Metrics().put("a", Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> new Metrics().put("a.", 1L));
  }

  /** Two runs started in the same second get two directories, each made in one step. */
  @Test
  void runDirectoriesReservedInTheSameSecondDiffer() throws Exception {
    java.time.Clock clock =
        java.time.Clock.fixed(
            java.time.Instant.parse("2026-12-02T10:15:30Z"), java.time.ZoneOffset.UTC);
    Path runs = tmp.resolve("runs");
    Path first = ResultWriter.reserveRunDirectory(runs, "vmexit", clock);
    Path second = ResultWriter.reserveRunDirectory(runs, "vmexit", clock);
    org.junit.jupiter.api.Assertions.assertEquals(runs.resolve("vmexit-20261202-101530"), first);
    org.junit.jupiter.api.Assertions.assertEquals(runs.resolve("vmexit-20261202-101530-2"), second);
    org.junit.jupiter.api.Assertions.assertTrue(java.nio.file.Files.isDirectory(second));
    // The reserved, empty directory is replaced by the complete results.
    new ResultWriter().write(first, sample(), "{}", java.util.Map.of());
    org.junit.jupiter.api.Assertions.assertTrue(
        java.nio.file.Files.exists(first.resolve(ResultWriter.SUMMARY_MD)));
  }

  /** kill -9 leaves a partial directory: the next run into the same place removes it. */
  @Test
  void aKilledRunsPartialDirectoryIsRecognisedAndRemovedByTheNextRun() throws Exception {
    Path target = tmp.resolve("out");
    long dead = Long.MAX_VALUE / 2; // no process has this id
    Path killed = tmp.resolve(".out.partial-" + dead);
    Path writing = tmp.resolve(".out.partial-" + ProcessHandle.current().pid());
    java.nio.file.Files.createDirectories(killed.resolve("tables"));
    java.nio.file.Files.createDirectories(writing);
    org.junit.jupiter.api.Assertions.assertTrue(ResultWriter.isPartial(killed));
    org.junit.jupiter.api.Assertions.assertFalse(ResultWriter.isPartial(target));
    org.junit.jupiter.api.Assertions.assertEquals(
        java.util.List.of(killed.toAbsolutePath().normalize()),
        ResultWriter.removeStalePartials(target));
    org.junit.jupiter.api.Assertions.assertFalse(java.nio.file.Files.exists(killed));
    org.junit.jupiter.api.Assertions.assertTrue(
        java.nio.file.Files.exists(writing), "a live process's partial directory stays");
  }
}
