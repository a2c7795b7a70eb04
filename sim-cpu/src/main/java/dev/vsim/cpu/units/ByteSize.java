package dev.vsim.cpu.units;

/**
 * A size in bytes, written in scenarios and profiles with a binary unit ({@code "4KiB"}, {@code
 * "2MiB"}, {@code "64GiB"}) or as {@code "123B"}.
 */
public record ByteSize(long bytes) implements Comparable<ByteSize> {
  public static final long KIB = 1L << 10;
  public static final long MIB = 1L << 20;
  public static final long GIB = 1L << 30;
  public static final long TIB = 1L << 40;

  public ByteSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("a size cannot be negative: " + bytes);
    }
  }

  public static ByteSize ofBytes(long bytes) {
    return new ByteSize(bytes);
  }

  public static ByteSize ofKiB(long n) {
    return new ByteSize(Math.multiplyExact(n, KIB));
  }

  public static ByteSize ofMiB(long n) {
    return new ByteSize(Math.multiplyExact(n, MIB));
  }

  public static ByteSize ofGiB(long n) {
    return new ByteSize(Math.multiplyExact(n, GIB));
  }

  /**
   * Parses {@code <integer><unit>} where unit is one of B, KiB, MiB, GiB, TiB.
   *
   * @throws IllegalArgumentException with a message that says what is accepted
   */
  public static ByteSize parse(String text) {
    String t = text.strip();
    int i = 0;
    while (i < t.length() && Character.isDigit(t.charAt(i))) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException(
          "expected a size such as \"4KiB\", \"2MiB\" or \"64GiB\", got \"" + text + "\"");
    }
    long n;
    try {
      n = Long.parseLong(t.substring(0, i));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("size \"" + text + "\" is too large");
    }
    String unit = t.substring(i);
    if (!unit.equals(unit.strip()) || !t.equals(text)) {
      // As for times ("10 ms"): a size is one word.
      throw new IllegalArgumentException(
          "size \"" + text + "\" has spaces; write it without them, e.g. \"64MiB\"");
    }
    long mult =
        switch (unit) {
          case "B" -> 1;
          case "KiB" -> KIB;
          case "MiB" -> MIB;
          case "GiB" -> GIB;
          case "TiB" -> TIB;
          case "" ->
              throw new IllegalArgumentException(
                  "size \""
                      + text
                      + "\" has no unit; write it as \""
                      + n
                      + "B\" or with KiB/MiB/GiB");
          case "KB", "kB", "K", "k", "Kb", "kb", "KIB", "kib" -> throw unitHint(text, "KiB");
          case "MB", "M", "m", "mb", "MIB", "mib" -> throw unitHint(text, "MiB");
          case "GB", "G", "g", "gb", "GIB", "gib" -> throw unitHint(text, "GiB");
          case "TB", "T", "t", "tb", "TIB", "tib" -> throw unitHint(text, "TiB");
          default ->
              throw new IllegalArgumentException(
                  "unknown size unit \""
                      + unit
                      + "\" in \""
                      + text
                      + "\"; use B, KiB, MiB, GiB or TiB");
        };
    try {
      return new ByteSize(Math.multiplyExact(n, mult));
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("size \"" + text + "\" is too large");
    }
  }

  private static IllegalArgumentException unitHint(String text, String unit) {
    return new IllegalArgumentException(
        "size \"" + text + "\" uses an ambiguous unit; sizes are binary, write " + unit);
  }

  public boolean isPowerOfTwo() {
    return bytes > 0 && Long.bitCount(bytes) == 1;
  }

  @Override
  public int compareTo(ByteSize o) {
    return Long.compare(bytes, o.bytes);
  }

  /** The shortest exact spelling: "4KiB", "1536B", "64GiB". */
  @Override
  public String toString() {
    String[] units = {"TiB", "GiB", "MiB", "KiB"};
    long[] mults = {TIB, GIB, MIB, KIB};
    for (int i = 0; i < units.length; i++) {
      if (bytes >= mults[i] && bytes % mults[i] == 0) {
        return (bytes / mults[i]) + units[i];
      }
    }
    return bytes + "B";
  }
}
