package dev.vsim.cpu.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.profile.CacheHierarchy;
import dev.vsim.cpu.profile.CacheLevel;
import dev.vsim.cpu.profile.Dram;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.units.ByteSize;
import org.junit.jupiter.api.Test;

/** Cores of one socket share its LLC; a core on another socket, or with an LLC of its own, not. */
class SocketLlcTest {
  // 4 KiB L1D and 8 KiB L2 (lines 0..63 and 0..127 fit), a 64 KiB LLC: line 200 apart from
  // everything else never fits in a core's own levels once 128 other lines went through them.
  private static final CacheHierarchy CACHES =
      new CacheHierarchy(
          64,
          new CacheLevel(ByteSize.ofKiB(4), 4, 4),
          new CacheLevel(ByteSize.ofKiB(8), 4, 14),
          new CacheLevel(ByteSize.ofKiB(64), 8, 60));
  private static final Dram DRAM = new Dram(230, 1, 1, 364);

  private int socketOfB;

  @Test
  void aLineOneCoreBroughtInHitsTheOtherCoresLlcOnTheSameSocketOnly() {
    SetAssociativeCache[] llcs = MemoryHierarchy.socketLlcs(CACHES, 2);
    MemoryHierarchy a = new MemoryHierarchy(CACHES, DRAM, 0, llcs, () -> 0, new StatGroup("a"));
    MemoryHierarchy b =
        new MemoryHierarchy(CACHES, DRAM, 0, llcs, () -> socketOfB, new StatGroup("b"));
    MemoryHierarchy own = new MemoryHierarchy(CACHES, DRAM, new StatGroup("own"));

    assertEquals(230, a.access(200 * 64L)); // first touch anywhere: DRAM
    assertEquals(60, b.access(200 * 64L)); // the socket's LLC has it now
    assertEquals(4, b.access(200 * 64L)); // and b's own L1D
    assertEquals(230, own.access(200 * 64L)); // a private LLC never saw it

    socketOfB = 1; // b's thread moves to the other socket: its L1D and L2 go with it
    assertEquals(4, b.access(200 * 64L));
    for (long line = 1000; line < 1256; line++) {
      b.access(line * 64); // push line 200 out of b's L1D and L2
    }
    assertEquals(230, b.access(200 * 64L)); // socket 1's LLC never held it
    assertEquals(MemoryHierarchy.DRAM, b.lastLevel());
    socketOfB = 0;
    for (long line = 2000; line < 2256; line++) {
      b.access(line * 64);
    }
    assertEquals(60, b.access(200 * 64L)); // back on socket 0, whose LLC still holds it
  }
}
