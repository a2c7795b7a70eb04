package dev.vsim.cpu.units;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
  @Test
  void parsesBinaryUnits() {
    assertEquals(4096, ByteSize.parse("4KiB").bytes());
    assertEquals(2L << 20, ByteSize.parse("2MiB").bytes());
    assertEquals(64L << 30, ByteSize.parse("64GiB").bytes());
    assertEquals(123, ByteSize.parse("123B").bytes());
    assertEquals(1L << 40, ByteSize.parse("1TiB").bytes());
  }

  @Test
  void printsShortestExactSpelling() {
    assertEquals("4KiB", ByteSize.ofBytes(4096).toString());
    assertEquals("1536B", ByteSize.ofBytes(1536).toString());
    assertEquals("1536KiB", ByteSize.ofKiB(1536).toString());
    assertEquals("64GiB", ByteSize.ofGiB(64).toString());
    assertEquals("0B", ByteSize.ofBytes(0).toString());
  }

  @Test
  void rejectsDecimalUnitsWithAHint() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("4KB"));
    assertEquals(
        "size \"4KB\" uses an ambiguous unit; sizes are binary, write KiB", e.getMessage());
  }

  @Test
  void rejectsMissingUnitAndOverflow() {
    assertEquals(
        "size \"4096\" has no unit; write it as \"4096B\" or with KiB/MiB/GiB",
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("4096")).getMessage());
    assertEquals(
        "size \"99999999999TiB\" is too large",
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("99999999999TiB"))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("KiB"));
    assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("-4KiB"));
  }

  @Test
  void rejectsSpacesAsTimesDo() {
    // "64 MiB" used to load as 64MiB while "10 ms" was refused (issue 14's corpus, m053).
    assertEquals(
        "size \"64 MiB\" has spaces; write it without them, e.g. \"64MiB\"",
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("64 MiB")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(" 4KiB"));
    assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("4KiB "));
  }
}
