package dev.vsim.results;

import java.io.IOException;
import java.nio.file.Path;

/** A figure that writes itself as {@code <name>.png} and {@code <name>.svg}. */
public interface Plot {
  String name();

  /** Writes both files into {@code dir}. */
  void write(Path dir) throws IOException;

  /** Writes {@code chart} as {@code <name>.png} and {@code <name>.svg} into {@code dir}. */
  static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path dir, String name)
      throws IOException {
    org.knowm.xchart.BitmapEncoder.saveBitmap(
        chart,
        dir.resolve(name + ".png").toString(),
        org.knowm.xchart.BitmapEncoder.BitmapFormat.PNG);
    org.knowm.xchart.VectorGraphicsEncoder.saveVectorGraphic(
        chart,
        dir.resolve(name + ".svg").toString(),
        org.knowm.xchart.VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
  }
}
