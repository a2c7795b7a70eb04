package dev.vsim.cpu.memory;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.profile.Topology;
import dev.vsim.cpu.stats.StatGroup;

/**
 * The host's NUMA nodes, one per socket, each with its own memory channels ({@link DramBandwidth}).
 * A stream from a core to another node's memory goes through that node's channels, and one core
 * moves it more slowly: a core's store rate is bounded by the lines it can have in flight (its
 * line-fill buffers), so by Little's law its rate falls by the ratio of the remote to the local
 * latency. With one socket there is one node and nothing is remote.
 */
public final class NumaNodes {
  private final DramBandwidth[] nodes;
  private final int[] socket;
  private final int localLatency;
  private final int remoteLatency;

  /**
   * The nodes of {@code profile}'s host; their statistics go to {@code stats} (one socket) or to
   * {@code stats.node0}, {@code stats.node1}... (several).
   */
  public NumaNodes(EventKernel kernel, HardwareProfile profile, StatGroup stats) {
    Topology t = profile.topology();
    long hz = profile.frequency().baseHz();
    long bw = profile.dram().bandwidthBytesPerSecond();
    nodes = new DramBandwidth[t.sockets()];
    for (int n = 0; n < nodes.length; n++) {
      nodes[n] =
          new DramBandwidth(kernel, bw, hz, nodes.length == 1 ? stats : stats.group("node" + n));
    }
    socket = new int[t.hardwareThreads()];
    for (int c = 0; c < socket.length; c++) {
      socket[c] = t.socketOf(c);
    }
    localLatency = profile.dram().latencyCycles();
    remoteLatency = profile.dram().remoteLatency();
    if (nodes.length > 1) {
      stats.gauge(
          "bytes",
          dev.vsim.cpu.stats.Unit.BYTES,
          "Bytes moved by memory streams through the DRAM channels of every node",
          () -> {
            long b = 0;
            for (DramBandwidth d : nodes) {
              b += d.bytes();
            }
            return b;
          });
      stats.gauge(
          "streams",
          dev.vsim.cpu.stats.Unit.COUNT,
          "Memory streams that shared the DRAM bandwidth, over every node",
          () -> {
            long k = 0;
            for (DramBandwidth d : nodes) {
              k += d.streams();
            }
            return k;
          });
    }
  }

  /** One node: {@code bandwidth}, which every CPU is local to (tests, single-socket hosts). */
  public NumaNodes(DramBandwidth bandwidth) {
    nodes = new DramBandwidth[] {bandwidth};
    socket = null;
    localLatency = 1;
    remoteLatency = 1;
  }

  public int count() {
    return nodes.length;
  }

  /** The node of hardware thread {@code cpu} (0 for an unknown thread, -1). */
  public int nodeOf(int cpu) {
    return socket == null || cpu < 0 ? 0 : socket[cpu];
  }

  public DramBandwidth node(int n) {
    return nodes[n];
  }

  /**
   * The most a core of {@code cpu} moves to or from node {@code node}'s memory, if it moves {@code
   * localBytesPerSecond} to its own node's.
   */
  public long rate(int node, int cpu, long localBytesPerSecond) {
    if (node < 0 || node == nodeOf(cpu) || remoteLatency == localLatency) {
      return localBytesPerSecond;
    }
    return Math.max(1, localBytesPerSecond * localLatency / remoteLatency);
  }

  /**
   * Starts the streams of one core's traffic spread over the nodes: {@code pages[n]} of the {@code
   * total} pages it covers are on node {@code n}, {@code bytes} over all. The core keeps as many
   * lines in flight as it would locally, so its rate is its local rate times the local over the
   * mean latency of its lines, shared by the nodes in proportion to their bytes (all its streams
   * end together if nothing else shares the channels); a node's stream gets its share.
   *
   * @return how many streams were started ({@code whenDone} fires once for each)
   */
  public int startSpread(
      long[] pages,
      long total,
      int cpu,
      long bytes,
      long localBytesPerSecond,
      EventHandler whenDone,
      long arg) {
    int home = nodeOf(cpu);
    double meanLatency = 0;
    for (int n = 0; n < nodes.length; n++) {
      meanLatency += (double) pages[n] / total * (n == home ? localLatency : remoteLatency);
    }
    double rate = localBytesPerSecond * (localLatency / meanLatency);
    int started = 0;
    long left = bytes;
    for (int n = 0; n < nodes.length; n++) {
      if (pages[n] == 0) {
        continue;
      }
      long b = left;
      for (int m = n + 1; m < nodes.length; m++) {
        if (pages[m] > 0) {
          b = bytes * pages[n] / total;
          break;
        }
      }
      left -= b;
      long r = Math.max(1, (long) (rate * pages[n] / total));
      if (b > 0) {
        nodes[n].start(b, r, whenDone, arg);
        started++;
      }
    }
    return started;
  }

  /**
   * Starts a stream of {@code bytes} from a core of {@code cpu} to node {@code node}'s memory (-1:
   * the core's own node), at most {@code localBytesPerSecond} if it is local; {@code
   * whenDone.onEvent(now, arg)} fires when it is done.
   */
  public long start(
      int node, int cpu, long bytes, long localBytesPerSecond, EventHandler whenDone, long arg) {
    int n = node < 0 ? nodeOf(cpu) : node;
    return nodes[n].start(bytes, rate(n, cpu, localBytesPerSecond), whenDone, arg);
  }
}
