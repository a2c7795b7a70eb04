package dev.vsim.scenarios.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's hardening corpus ({@code src/test/resources/hardening/}, made by its {@code
 * make-corpus.py}), run in this JVM as {@code ./hardening-table} runs it with a jar: each case is
 * validated, and run with its tiny stop time if it validates; its outcome must be the one {@code
 * cases.tsv} expects. A refusal is one line, at the expected {@code file:line:col} (or blamed on
 * the {@code --set}), in the scenario's terms; a run ends cleanly. A stack trace, a second line, a
 * parser's class name, a refusal at run time of what validate accepted, or a run of what should be
 * refused fails the case, so each fix the corpus checks fails here when reverted.
 */
class HardeningCorpusTest {
  private static final Path CORPUS = Path.of("src/test/resources/hardening").toAbsolutePath();
  private static final Pattern INTERNAL =
      Pattern.compile(
          "(?i)JsonReadFeature|StreamReadConstraints|fasterxml|jackson|Exception|java\\.lang"
              + "|CTRL-CHAR|code [0-9]+");
  private static final Pattern STACK_TRACE =
      Pattern.compile("(?m)^\\s+at [a-zA-Z_$]|^Caused by: |Exception in thread");

  @TempDir Path tmp;

  /** One line of cases.tsv. */
  record Case(String name, String expect, String description) {}

  static List<Case> cases() throws IOException {
    List<Case> cases = new ArrayList<>();
    for (String line : Files.readAllLines(CORPUS.resolve("cases.tsv"), StandardCharsets.UTF_8)) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t", 3);
      cases.add(new Case(f[0], f[1], f[2]));
    }
    return cases;
  }

  @TestFactory
  Stream<DynamicTest> everyCaseHasItsExpectedOutcome() throws IOException {
    List<Case> cases = cases();
    // The issue's counts were 118 and 42: the corpus covers at least as much.
    assertTrue(cases.stream().filter(c -> c.name().startsWith("m")).count() >= 118);
    assertTrue(cases.stream().filter(c -> c.name().startsWith("i")).count() >= 42);
    return cases.stream()
        .map(c -> DynamicTest.dynamicTest(c.name() + ": " + c.description(), () -> check(c)));
  }

  private void check(Case c) throws IOException {
    List<String> argv = new ArrayList<>();
    Path args = CORPUS.resolve(c.name() + ".args");
    if (Files.exists(args)) {
      argv.addAll(Files.readAllLines(args, StandardCharsets.UTF_8));
      argv.set(0, inCorpus(argv.get(0)));
    } else {
      argv.add(CORPUS.resolve(c.name() + ".json").toString());
    }
    String file = argv.get(0);
    List<String> validate = new ArrayList<>();
    for (int i = 0; i < argv.size(); i++) {
      if (argv.get(i).equals("--variant")) {
        i++; // validate checks every variant
      } else {
        validate.add(argv.get(i));
      }
    }
    String stage = "validate";
    VsimInProcess.Outcome o = VsimInProcess.vsim(prepend("validate", validate));
    if (o.code() == 0) {
      stage = "run";
      List<String> run = new ArrayList<>(argv);
      run.addAll(List.of("-q", "-j", "1", "-o", tmp.resolve(c.name()).toString()));
      o = VsimInProcess.vsim(prepend("run", run));
    }
    String err = o.err().strip();
    String what = c.name() + " (" + stage + ", exit " + o.code() + "):\n" + o.err();
    assertTrue(!STACK_TRACE.matcher(err).find(), "a stack trace: " + what);
    if (c.expect().startsWith("runs") && o.code() == 0) {
      return;
    }
    assertTrue(o.code() != 0, "expected a refusal (" + c.expect() + "), but it ran: " + what);
    assertTrue(!err.isEmpty() && !err.contains("\n"), "not one line: " + what);
    assertTrue(!INTERNAL.matcher(err).find(), "in the parser's terms: " + what);
    switch (c.expect()) {
      case "runs" -> throw new AssertionError("expected to run: " + what);
      case "runs|refused" ->
          assertEquals("run", stage, "refused at load rather than for the heap: " + what);
      case "error@run" -> assertEquals("run", stage, what);
      default -> {
        assertEquals("validate", stage, "validate accepted what run refused: " + what);
        if (c.expect().equals("error@set")) {
          assertTrue(err.startsWith("--set "), "not blamed on the --set: " + what);
        } else if (c.expect().startsWith("error@")) {
          String at = file + ":" + c.expect().substring("error@".length()) + ": ";
          assertTrue(err.startsWith(at), "not at " + at + ": " + what);
        }
      }
    }
  }

  /** A case's file argument, as the script's working directory (the corpus) would resolve it. */
  private static String inCorpus(String arg) {
    if (arg.equals(".") || arg.endsWith(".json") && !arg.startsWith("/")) {
      return CORPUS.resolve(arg).normalize().toString();
    }
    return arg; // a bundled scenario's name, or an absolute path
  }

  private static String[] prepend(String command, List<String> args) {
    List<String> all = new ArrayList<>();
    all.add(command);
    all.addAll(args);
    return all.toArray(String[]::new);
  }
}
