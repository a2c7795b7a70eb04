package dev.vsim.guest.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Where threads start, where a woken one goes, who an idle CPU pulls, and when slices end. */
class GuestSchedulerTest {
  @Test
  void threadsAreDealtToTheCpusInTurnAndRunInQueueOrder() {
    GuestScheduler s = new GuestScheduler(2, 5, 100);
    assertEquals(0, s.pickNext(0, 0)); // CPU 0 holds 0, 2, 4; CPU 1 holds 1, 3
    assertEquals(1, s.pickNext(1, 0));
    s.block(0);
    assertEquals(2, s.pickNext(0, 10));
    assertEquals(2, s.current(0));
  }

  @Test
  void aWokenThreadGoesToItsIdlePreviousCpuElseTheNextIdleOne() {
    GuestScheduler s = new GuestScheduler(3, 3, 100);
    for (int c = 0; c < 3; c++) {
      assertEquals(c, s.pickNext(c, 0));
    }
    s.block(1); // thread 1 sleeps: CPU 1 is idle
    assertEquals(1, s.wake(1));
    assertTrue(s.lastWakeFoundIdle(), "its own CPU was idle: it needs a reschedule IPI");
    assertEquals(1, s.pickNext(1, 0));

    s.block(0); // thread 0 sleeps and its CPU goes offline; CPU 2 becomes idle
    s.offline(0);
    s.block(2);
    assertEquals(2, s.wake(0), "CPU 0 is offline, CPU 1 busy: the first idle one after them");
    assertTrue(s.lastWakeFoundIdle());
    assertEquals(0, s.pickNext(2, 0));
  }

  @Test
  void anIdleCpuPullsFromTheLongestQueue() {
    GuestScheduler s = new GuestScheduler(2, 3, 100); // CPU 0 holds 0, 2; CPU 1 holds 1
    assertEquals(0, s.pickNext(0, 0));
    assertEquals(1, s.pickNext(1, 0));
    s.block(1);
    assertEquals(2, s.pickNext(1, 0), "CPU 1's queue is empty: it pulls thread 2 from CPU 0");
  }

  @Test
  void whenNoCpuIsIdleTheWokenThreadWaitsOnItsPreviousCpu() {
    GuestScheduler s = new GuestScheduler(2, 4, 100); // CPU 0 holds 0, 2; CPU 1 holds 1, 3
    assertEquals(0, s.pickNext(0, 0));
    assertEquals(1, s.pickNext(1, 0));
    s.block(1); // CPU 1 runs nothing, but thread 3 waits there: not idle
    assertEquals(1, s.wake(1));
    assertFalse(s.lastWakeFoundIdle(), "no reschedule IPI: it waits behind thread 3");
    assertEquals(3, s.pickNext(1, 0));
    s.block(1);
    assertEquals(1, s.pickNext(1, 0));
  }

  @Test
  void aSliceEndsOnlyWhenItIsUsedUpAndAnotherThreadWaits() {
    GuestScheduler s = new GuestScheduler(1, 2, 100);
    assertEquals(0, s.pickNext(0, 0));
    assertFalse(s.endOfSlice(0, 99), "slice not used up");
    assertTrue(s.endOfSlice(0, 100));
    assertEquals(1, s.pickNext(0, 100));
    s.block(0);
    assertEquals(0, s.pickNext(0, 150));
    assertFalse(s.endOfSlice(0, 1_000), "nobody waits");
  }

  @Test
  void linuxsMinimumGranularityScalesWithTheLogOfUpToEightCpus() {
    long hz = 2_000_000_000L;
    assertEquals(1_500_000, GuestScheduler.minGranularityCycles(1, hz)); // 0.75 ms
    assertEquals(4_500_000, GuestScheduler.minGranularityCycles(4, hz)); // x 3
    assertEquals(6_000_000, GuestScheduler.minGranularityCycles(64, hz)); // x 4
  }
}
