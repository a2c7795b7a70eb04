package dev.vsim.results;

import java.io.IOException;
import java.nio.file.Path;

/** A figure that writes itself as {@code <name>.png} and {@code <name>.svg}. */
public interface Plot {
  String name();

  /** Writes both files into {@code dir}. */
  void write(Path dir) throws IOException;
}
