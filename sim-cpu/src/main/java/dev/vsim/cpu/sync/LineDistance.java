package dev.vsim.cpu.sync;

import dev.vsim.cpu.profile.Coherence;
import dev.vsim.cpu.profile.Topology;

/**
 * What moving a modified cache line from one hardware thread to another costs, by how far apart
 * they are: nothing on the same thread, the SMT sibling's figure on the same core, the socket's on
 * another core of the same socket, the remote figure across sockets. Where either thread is not
 * known (-1), or where the profile gives no distances, the flat figure of the structure is taken.
 * Arithmetic on two primitive arrays; nothing allocates.
 */
public final class LineDistance {
  private final int[] core;
  private final int[] socket;
  private final long smt;
  private final long sameSocket;
  private final long remote;
  private final long flat;

  private LineDistance(
      int[] core, int[] socket, long smt, long sameSocket, long remote, long flat) {
    this.core = core;
    this.socket = socket;
    this.smt = smt;
    this.sameSocket = sameSocket;
    this.remote = remote;
    this.flat = flat;
    if (flat < 0 || smt < 0 || sameSocket < 0 || remote < 0) {
      throw new IllegalArgumentException("transfer cycles cannot be negative");
    }
  }

  /** Every transfer costs {@code cycles}, wherever the threads are. */
  public static LineDistance flat(long cycles) {
    return new LineDistance(null, null, cycles, cycles, cycles, cycles);
  }

  /**
   * Transfers on {@code topology} by {@code coherence}'s distances; if {@code coherence} is null,
   * {@link #flat} {@code flatCycles}. {@code flatCycles} is also what a transfer from or to an
   * unknown thread costs.
   */
  public static LineDistance of(Topology topology, Coherence coherence, long flatCycles) {
    if (coherence == null) {
      return flat(flatCycles);
    }
    int n = topology.hardwareThreads();
    int[] core = new int[n];
    int[] socket = new int[n];
    for (int c = 0; c < n; c++) {
      core[c] = topology.coreOf(c);
      socket[c] = topology.socketOf(c);
    }
    return new LineDistance(
        core,
        socket,
        coherence.smtSiblingCycles(),
        coherence.socketCycles(),
        coherence.remoteSocketCycles(),
        flatCycles);
  }

  /** Whether the cost depends on where the threads are. */
  public boolean byDistance() {
    return core != null;
  }

  /**
   * Cycles to move a line that hardware thread {@code from} wrote last to thread {@code to}; with
   * flat costs, the flat figure whoever the threads are.
   */
  public long cycles(int from, int to) {
    if (core == null || from < 0 || to < 0) {
      return flat;
    }
    if (from == to) {
      return 0;
    }
    if (core[from] == core[to]) {
      return smt;
    }
    return socket[from] == socket[to] ? sameSocket : remote;
  }
}
