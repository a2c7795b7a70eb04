package dev.vsim.cpu.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.Coherence;
import dev.vsim.cpu.profile.Topology;
import dev.vsim.cpu.stats.StatGroup;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import org.junit.jupiter.api.Test;

/**
 * Line and lock hand-offs by distance on a 2-socket host of 2 cores per socket and 2 threads per
 * core, numbered as Linux does: CPUs 0-1 are socket 0's cores, 2-3 socket 1's, then 4-7 their SMT
 * siblings (4 is 0's sibling, 6 is 2's).
 */
class LineDistanceTest {
  private static final Topology HOST = new Topology(2, 2, 2);
  private static final Coherence C = new Coherence(10, 100, 300);
  private static final long FLAT = 70;

  @Test
  void topologyNumbersCpusAsLinux() {
    assertEquals(0, HOST.coreOf(4));
    assertEquals(0, HOST.socketOf(4));
    assertEquals(1, HOST.socketOf(2));
    assertEquals(1, HOST.socketOf(7));
    assertEquals(3, HOST.coreOf(7));
  }

  @Test
  void costByDistance() {
    LineDistance d = LineDistance.of(HOST, C, FLAT);
    assertEquals(0, d.cycles(1, 1));
    assertEquals(10, d.cycles(0, 4)); // SMT siblings
    assertEquals(100, d.cycles(0, 1)); // two cores of socket 0
    assertEquals(100, d.cycles(5, 0)); // core 1's second thread to core 0, socket 0
    assertEquals(300, d.cycles(1, 2)); // across sockets
    assertEquals(300, d.cycles(6, 4));
    assertEquals(FLAT, d.cycles(-1, 2)); // a thread not known
    LineDistance flat = LineDistance.of(HOST, null, FLAT);
    assertEquals(FLAT, flat.cycles(0, 2));
    assertEquals(FLAT, flat.cycles(0, 4));
  }

  @Test
  void lockHandedBetweenSocketsCostsTheRemoteFigure() {
    EventKernel kernel = new EventKernel();
    RwLock lock = new RwLock(kernel, LineDistance.of(HOST, C, FLAT), new StatGroup("l"));
    LongArrayList times = new LongArrayList();
    LongArrayList who = new LongArrayList();
    kernel.schedule(
        0,
        (now, a) -> {
          lock.acquireWrite(
              (t, w) -> {
                times.add(t);
                who.add(w);
              },
              0,
              0);
          // Waiters, FIFO whatever their distance: socket 1 first, then the sibling, then core 1.
          lock.acquireWrite((t, w) -> record(times, who, t, w), 2, 2);
          lock.acquireWrite((t, w) -> record(times, who, t, w), 6, 6);
          lock.acquireWrite((t, w) -> record(times, who, t, w), 1, 1);
        },
        0);
    kernel.schedule(1000, (now, a) -> lock.releaseWrite(), 0); // 0 -> 2: other socket
    kernel.schedule(2000, (now, a) -> lock.releaseWrite(), 0); // 2 -> 6: SMT sibling
    kernel.schedule(3000, (now, a) -> lock.releaseWrite(), 0); // 6 -> 1: other socket
    kernel.run();
    assertEquals(LongArrayList.wrap(new long[] {0, 2, 6, 1}), who);
    assertEquals(LongArrayList.wrap(new long[] {0, 1300, 2010, 3300}), times);
  }

  private static void record(LongArrayList times, LongArrayList who, long t, long w) {
    times.add(t);
    who.add(w);
  }

  @Test
  void readersReleaseFromTheirThreads() {
    EventKernel kernel = new EventKernel();
    RwLock lock = new RwLock(kernel, LineDistance.of(HOST, C, FLAT), new StatGroup("l"));
    LongArrayList times = new LongArrayList();
    LongArrayList who = new LongArrayList();
    kernel.schedule(
        0,
        (now, a) -> {
          lock.acquireRead((t, w) -> record(times, who, t, w), 1, 1);
          lock.acquireWrite((t, w) -> record(times, who, t, w), 5, 5);
        },
        0);
    kernel.schedule(500, (now, a) -> lock.releaseRead(1), 0); // 1 -> 5: SMT sibling
    kernel.run();
    assertEquals(LongArrayList.wrap(new long[] {0, 510}), times);
  }

  @Test
  void lineMovesByDistance() {
    CacheLines lines = new CacheLines(4, LineDistance.of(HOST, C, FLAT), new StatGroup("c"));
    assertEquals(0, lines.write(9, 0, 0)); // untracked: from memory
    assertEquals(10 + 10, lines.write(9, 4, 10)); // to the sibling
    assertEquals(100 + 100, lines.write(9, 1, 100)); // 4 -> 1, same socket
    assertEquals(1000 + 300, lines.write(9, 3, 1000)); // 1 -> 3, other socket
    assertEquals(2000, lines.write(9, 3, 2000)); // its own
  }
}
