package dev.vsim.scenarios.sweep;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The sweep files shipped in {@code scenarios/sweeps/}, packed into the jar under that name. */
public final class BundledSweeps {
  private static final String DIR = "bundled-sweeps/";

  private BundledSweeps() {}

  /** The text of a bundled sweep, by file name (with or without ".json"). */
  public static Optional<String> read(String name) {
    String file = name.endsWith(".json") ? name : name + ".json";
    if (!file.matches("[A-Za-z0-9._-]+")) {
      return Optional.empty();
    }
    try (InputStream in = BundledSweeps.class.getClassLoader().getResourceAsStream(DIR + file)) {
      return in == null
          ? Optional.empty()
          : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
