package dev.vsim.scenarios.cli;

import dev.vsim.results.ResultWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * Where a command writes what it simulates: the {@code -o} directory, or a fresh {@code
 * runs/NAME-TIME} reserved atomically. It is made before anything is simulated, so that a place
 * that cannot be written is refused at once, and while the command works a SIGINT or SIGTERM prints
 * one line and leaves nothing that looks complete: a directory this command made and left empty
 * goes.
 */
final class OutputDirectory implements AutoCloseable {
  /** The directory could not be made or written; the message says why and what to do. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  private final Path dir;
  private final boolean made;
  private volatile boolean finished;
  private Thread hook;

  private OutputDirectory(Path dir, boolean made) {
    this.dir = dir;
    this.made = made;
  }

  /**
   * Reserves {@code output}, or {@code runs/<name>-<time>} when it is null.
   *
   * @param program the command's name in messages ({@code vsim}, {@code vsim reproduce})
   * @param what what is written there, in messages ("results", "the report")
   */
  static OutputDirectory reserve(Path output, String name, String program, String what)
      throws Refused {
    boolean made = output == null || !Files.exists(output);
    try {
      if (output == null) {
        Path dir =
            ResultWriter.reserveRunDirectory(Path.of("runs"), name, Clock.systemDefaultZone());
        return new OutputDirectory(dir, true);
      }
      ResultWriter.checkWritable(output);
      Files.createDirectories(output);
      return new OutputDirectory(output, made);
    } catch (IOException e) {
      Path shown = output != null ? output : Path.of("runs");
      throw new Refused(
          program
              + ": cannot write "
              + what
              + " to "
              + shown
              + ": "
              + reason(e)
              + "; choose another -o");
    }
  }

  Path dir() {
    return dir;
  }

  /**
   * From now until {@link #close}, a SIGINT or SIGTERM prints the line {@code said} gives and
   * removes this directory if the command made it and it is still empty.
   */
  void onInterrupt(Supplier<String> said) {
    hook =
        new Thread(
            () -> {
              if (!finished) {
                System.err.println(said.get());
                removeIfMadeAndEmpty();
              }
            },
            "vsim-interrupted");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Removes the directory if this command made it and nothing is in it (a failed run). */
  void removeIfMadeAndEmpty() {
    if (made) {
      try {
        Files.deleteIfExists(dir);
      } catch (IOException notEmpty) {
        // Something is in it, or it is gone: left as it is.
      }
    }
  }

  /** The command is done, whatever came of it: an interrupt from now on says nothing. */
  @Override
  public void close() {
    finished = true;
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook runs: the command was interrupted.
      }
    }
  }

  /** The line for a simulation that ran out of heap: how to give it more. */
  static String outOfMemory(String program) {
    return program
        + ": the simulation needs more memory than the Java heap has; run again with a larger"
        + " heap, e.g. VSIM_JAVA_OPTS=\"-Xmx16g -XX:+UseParallelGC\" (or fewer configurations at"
        + " once: -j 1)";
  }

  /** What the operating system said, in words: the exceptions' messages are only the path. */
  static String reason(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file or directory: " + e.getMessage();
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied: " + e.getMessage();
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException f && f.getReason() != null) {
      return f.getReason(); // our own words about what is there
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason() + ": " + f.getFile();
    }
    return e.getMessage();
  }
}
