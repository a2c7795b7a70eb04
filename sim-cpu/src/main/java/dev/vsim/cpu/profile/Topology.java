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
}
