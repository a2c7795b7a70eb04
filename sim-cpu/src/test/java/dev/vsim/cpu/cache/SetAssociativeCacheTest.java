package dev.vsim.cpu.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SetAssociativeCacheTest {
  @Test
  void evictsTheLeastRecentlyUsedLineOfItsSet() {
    SetAssociativeCache c = new SetAssociativeCache(4, 2); // lines 0, 4, 8 share set 0
    assertFalse(c.access(0));
    assertFalse(c.access(4));
    assertTrue(c.access(0)); // 4 is now the least recently used
    assertFalse(c.access(8)); // evicts 4
    assertTrue(c.contains(0));
    assertFalse(c.contains(4));
    assertTrue(c.contains(8));
    assertFalse(c.access(1)); // another set: nothing evicted from set 0
    assertTrue(c.access(8));
    assertEquals(2, c.hits());
    assertEquals(4, c.misses());
  }

  @Test
  void aLineSeenAgainAfterItsSetMovedOnIsStillFound() {
    SetAssociativeCache c = new SetAssociativeCache(1, 4);
    for (long l = 0; l < 4; l++) {
      c.access(l);
    }
    c.access(3); // the most recent slot
    assertTrue(c.access(0), "found by the scan, not only by the most-recent check");
    assertFalse(c.access(9)); // evicts 1, the least recent
    assertFalse(c.contains(1));
  }
}
