package dev.vsim.scenarios.sweep;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The vsim version that keys a sweep's cache. A snapshot version stays the same while the code
 * changes, so when vsim runs from its jar the jar's SHA-256 is part of it: a rebuilt simulator
 * never reuses points that an older one computed.
 */
public final class Version {
  private static volatile String cached;

  private Version() {}

  /** The version, with the jar's hash when vsim runs from its jar. */
  public static String get() {
    String v = cached;
    if (v == null) {
      v = compute();
      cached = v;
    }
    return v;
  }

  private static String compute() {
    String v = Version.class.getPackage().getImplementationVersion();
    String base = v == null ? "development" : v;
    try {
      Path jar = Path.of(Version.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(jar)) {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(jar), d)) {
          in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return base + "+" + HexFormat.of().formatHex(d.digest()).substring(0, 16);
      }
    } catch (IOException
        | NoSuchAlgorithmException
        | java.net.URISyntaxException
        | SecurityException e) {
      // No jar to read: the version alone.
    }
    return base;
  }
}
