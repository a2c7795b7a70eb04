package dev.vsim.guest.workload;

import static dev.vsim.guest.workload.DedupPipeline.COMPRESS;
import static dev.vsim.guest.workload.DedupPipeline.DEDUPLICATE;
import static dev.vsim.guest.workload.DedupPipeline.FRAGMENT;
import static dev.vsim.guest.workload.DedupPipeline.REFINE;
import static dev.vsim.guest.workload.DedupPipeline.REORDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The pipeline's bookkeeping: who does what, who sleeps on what, and whom each hand-off wakes. */
class DedupPipelineTest {
  /** {@code dedup -t perStage}: 3 x perStage + 2 threads. */
  private static DedupPipeline pipeline(int perStage, int chunks, int depth) {
    return new DedupPipeline(
        new DedupPipeline.Params(4, new long[] {1, 2, 3, 4, 5}, depth, perStage, 10, 100), chunks);
  }

  @Test
  void oneFragmentOneReorderAndTheMiddleStagesDealtInTurn() {
    DedupPipeline p = pipeline(2, 4, 2);
    assertEquals(8, p.threads());
    int[] expected = {
      FRAGMENT, REFINE, DEDUPLICATE, COMPRESS, REFINE, DEDUPLICATE, COMPRESS, REORDER
    };
    for (int t = 0; t < 8; t++) {
      assertEquals(expected[t], p.stage(t), "thread " + t);
    }
    assertEquals(4, p.stageCycles(3)); // Compress's work
    assertThrows(IllegalArgumentException.class, () -> pipeline(0, 4, 2));
  }

  @Test
  void anEmptyQueueSleepsItsConsumersAndEachPutWakesTheLongestAsleep() {
    DedupPipeline p = pipeline(2, 4, 2);
    assertEquals(-1, p.take(1));
    assertEquals(-1, p.take(4));
    assertTrue(p.isAsleep(1) && p.isAsleep(4));
    assertEquals(0, p.wakeCount(), "sleeping wakes nobody");

    int chunk = p.take(0); // Fragment maps a free buffer
    assertEquals(0, chunk);
    assertTrue(p.put(0, chunk));
    assertEquals(1, p.wakeCount());
    assertEquals(1, p.woken(0), "first asleep, first woken");
    assertFalse(p.isAsleep(1));
    assertTrue(p.isAsleep(4));
    p.clearWakes();

    assertEquals(0, p.take(1), "the woken consumer finds the chunk");
    assertEquals(0, p.wakeCount(), "nobody waits for room");
  }

  @Test
  void aFullQueueSleepsItsProducerUntilAConsumerMakesRoom() {
    DedupPipeline p = pipeline(2, 4, 1);
    assertTrue(p.put(0, p.take(0)));
    int second = p.take(0);
    assertFalse(p.put(0, second), "depth 1: the queue is full");
    assertTrue(p.isAsleep(0));
    assertEquals(0, p.take(1));
    assertEquals(1, p.wakeCount());
    assertEquals(0, p.woken(0), "Fragment is woken to hand its chunk on");
    p.clearWakes();
    assertTrue(p.put(0, second));
  }

  @Test
  void fragmentWaitsForAFreedBuffer() {
    DedupPipeline p = pipeline(2, 1, 2);
    assertEquals(0, p.take(0));
    assertEquals(-1, p.take(0), "the only buffer is in use");
    p.free(0);
    assertEquals(1, p.wakeCount());
    assertEquals(0, p.woken(0));
    p.clearWakes();
    assertEquals(0, p.take(0));
  }

  @Test
  void reorderWritesOutWithoutAQueue() {
    DedupPipeline p = pipeline(1, 2, 1);
    assertEquals(DedupPipeline.REORDER, p.stage(4));
    assertTrue(p.put(4, 7));
    assertTrue(p.put(4, 8));
    assertEquals(0, p.wakeCount());
  }
}
