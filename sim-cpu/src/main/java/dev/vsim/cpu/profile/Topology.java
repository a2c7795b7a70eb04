package dev.vsim.cpu.profile;

/**
 * The shape of the host.
 *
 * @param sockets physical packages
 * @param coresPerSocket physical cores in each package
 * @param threadsPerCore SMT threads per core (1 or 2 on Intel server parts)
 */
public record Topology(int sockets, int coresPerSocket, int threadsPerCore) {
  /** The most hardware threads the simulator holds (each has its pCPU, power and cache state). */
  public static final int MAX_HARDWARE_THREADS = 4096;

  public Topology {
    Checks.positive("sockets", sockets);
    Checks.positive("coresPerSocket", coresPerSocket);
    Checks.positive("threadsPerCore", threadsPerCore);
    long threads = (long) sockets * coresPerSocket * threadsPerCore;
    if (threads > MAX_HARDWARE_THREADS) {
      String largest =
          coresPerSocket >= sockets && coresPerSocket >= threadsPerCore
              ? "coresPerSocket"
              : sockets >= threadsPerCore ? "sockets" : "threadsPerCore";
      throw new IllegalArgumentException(
          largest
              + ": "
              + sockets
              + " sockets × "
              + coresPerSocket
              + " cores × "
              + threadsPerCore
              + " threads is "
              + threads
              + " hardware threads; the simulator holds at most "
              + MAX_HARDWARE_THREADS);
    }
  }

  public int hardwareThreads() {
    return sockets * coresPerSocket * threadsPerCore;
  }

  /**
   * The physical core of hardware thread {@code cpu}, numbered as Linux enumerates a multi-socket
   * Intel host (and as the power model does): first the first thread of every core, socket by
   * socket, then the second threads, so CPU {@code c} is on core {@code c % (sockets x cores)}.
   */
  public int coreOf(int cpu) {
    return cpu % (sockets * coresPerSocket);
  }

  /** The socket (and NUMA node: one per socket) of hardware thread {@code cpu}. */
  public int socketOf(int cpu) {
    return coreOf(cpu) / coresPerSocket;
  }
}
