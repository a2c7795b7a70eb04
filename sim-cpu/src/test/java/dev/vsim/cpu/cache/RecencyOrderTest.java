package dev.vsim.cpu.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RecencyOrderTest {
  /** The packed order moves to front exactly as a list of ways does, for every associativity. */
  @Test
  void touchMovesToFrontLikeAList() {
    SplittableRandom r = new SplittableRandom(7);
    for (int ways = 2; ways <= RecencyOrder.MAX_WAYS; ways++) {
      long order = RecencyOrder.fillingLowestFirst(ways);
      List<Integer> list = new ArrayList<>();
      for (int w = ways - 1; w >= 0; w--) {
        list.add(w); // most recent first; way 0 is the first victim
      }
      for (int step = 0; step < 5_000; step++) {
        for (int rank = 0; rank < ways; rank++) {
          assertEquals((int) list.get(rank), RecencyOrder.way(order, rank), "ways " + ways);
        }
        int choice = r.nextInt(3);
        if (choice == 0) { // a miss: the victim is used
          int victim = list.get(ways - 1);
          assertEquals(victim, RecencyOrder.way(order, ways - 1));
          order = RecencyOrder.touch(order, victim);
          list.remove(ways - 1);
          list.add(0, victim);
        } else if (choice == 1) {
          int w = r.nextInt(ways);
          order = RecencyOrder.touch(order, w);
          list.remove((Integer) w);
          list.add(0, w);
        } else {
          order = RecencyOrder.swapFirstTwo(order);
          list.add(0, list.remove(1));
        }
      }
    }
  }

  @Test
  void theFirstVictimsAreTheLowestWays() {
    long order = RecencyOrder.fillingLowestFirst(4);
    for (int w = 0; w < 4; w++) {
      int victim = RecencyOrder.way(order, 3);
      assertEquals(w, victim);
      order = RecencyOrder.touch(order, victim);
    }
    assertEquals(RecencyOrder.IDENTITY, RecencyOrder.fillingLowestFirst(0));
  }
}
